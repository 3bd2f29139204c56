# SPDX-License-Identifier: GPL-2.0-only
# gnuplot -e "dir='build/bench'" bench/plot.gp: throughput and consumer CPU
# per GB against buffer size, zero copy vs copy, from the
# plot-fill{2,1}-{shallow,deep}.dat that scripts/bench-report.py renders from
# the JSON (KiB depth zcMB/s copyMB/s zcs/GB copys/GB).
set terminal pngcairo size 1400,900 font ",10"
set output dir.'/dma_throughput.png'
set multiplot layout 2,2 title "fpgadma dma\\_throughput (QEMU TCG; ratios matter, not absolute figures)"
set logscale x 2
set xlabel "buffer size (KiB)"
set grid
set key top left
do for [fill in "2 1"] {
	set title sprintf("throughput, model fill=%s, consumer checksums every byte", fill)
	set ylabel "MB/s"
	plot dir.'/plot-fill'.fill.'-deep.dat' u 1:3 w lp lw 2 t 'zero copy (deep ring)', \
	     dir.'/plot-fill'.fill.'-deep.dat' u 1:4 w lp lw 2 t 'copy (deep ring)', \
	     dir.'/plot-fill'.fill.'-shallow.dat' u 1:3 w lp dt 2 t 'zero copy (8 buffers)', \
	     dir.'/plot-fill'.fill.'-shallow.dat' u 1:4 w lp dt 2 t 'copy (8 buffers)'
	set title sprintf("consumer CPU per GB, fill=%s", fill)
	set ylabel "CPU s/GB"
	set key top right
	plot dir.'/plot-fill'.fill.'-deep.dat' u 1:5 w lp lw 2 t 'zero copy (deep ring)', \
	     dir.'/plot-fill'.fill.'-deep.dat' u 1:6 w lp lw 2 t 'copy (deep ring)', \
	     dir.'/plot-fill'.fill.'-shallow.dat' u 1:5 w lp dt 2 t 'zero copy (8 buffers)', \
	     dir.'/plot-fill'.fill.'-shallow.dat' u 1:6 w lp dt 2 t 'copy (8 buffers)'
	set key top left
}
unset multiplot
