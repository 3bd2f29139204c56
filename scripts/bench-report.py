#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Render dma_throughput's JSON (its one machine format) for humans and tools.

Usage: scripts/bench-report.py JSON OUTDIR

Writes into OUTDIR:
  table.txt                   the tables of every section and the targets
  dma_throughput.csv          one row per result, then one per target
  plot-fill{2,1}-{shallow,deep}.dat
                              gnuplot data for bench/plot.gp: KiB depth
                              zcMB/s copyMB/s zcs/GB copys/GB per buffer size
Only the Python standard library; run on the host by scripts/bench.sh.
"""
import csv
import json
import os
import sys

PARAMS = ("buf_size", "ring_depth", "batch", "fill", "memory")
CSV_HEADER = ("section", "test", "mode") + PARAMS + ("metric", "value", "unit")


class Results:
    """The result records, looked up by their names and parameters."""

    def __init__(self, rows):
        self.rows = rows

    def find(self, metric=None, **want):
        for r in self.rows:
            if metric is not None and r["metric"] != metric:
                continue
            if all(r.get(k, r["params"].get(k)) == v for k, v in want.items()):
                yield r

    def value(self, metric, **want):
        for r in self.find(metric, **want):
            return r["value"]
        return None

    def points(self, test, **want):
        """(buf_size, ring_depth) pairs of test's results, sorted."""
        return sorted({(r["params"]["buf_size"], r["params"]["ring_depth"])
                       for r in self.find(test=test, **want)})

    def kinds(self, **want):
        """The memory kinds of the matching results, in the order measured (None: n/a)."""
        seen = []
        for r in self.find(**want):
            if r["params"].get("memory") not in seen:
                seen.append(r["params"].get("memory"))
        return seen


def size_str(n):
    return f"{n // 1048576} MiB" if n >= 1048576 and n % 1048576 == 0 else f"{n // 1024} KiB"


def num(v, fmt):
    return format(v, fmt) if v is not None else "-"


def ratio(a, b):
    return a / b if a is not None and b else None


def throughput_table(res, out):
    out.append("== 1. zero copy vs copy, consumer checksums every byte "
               "(model rate=0: flat out, flow controlled) ==")
    out.append("zero copy: fpgadma_next_batch() of up to min(depth/4,16) buffers, checksum each "
               "in place, fpgadma_release_batch().")
    out.append("copy:      fpgadma_read() of buf_size bytes into a user buffer, checksum it.")
    out.append("CPU = consumer user+sys (getrusage); the model thread (the \"device\") is not counted.")
    out.append("Best MB/s and best s/GB of the alternating runs; 'worst' is the worst MB/s.")
    for fill in sorted({r["params"]["fill"] for r in res.find(test="consume_checksum")},
                       reverse=True):
        out.append("")
        out.append(f"fill={fill} (" + ("model writes every word" if fill == 2 else
                   "model writes word 0 only: the data is what the ring held") + ")")
        out.append(f"{'buffer':<8} {'depth':>5} | {'zc MB/s':>10} {'copy MB/s':>10} {'zc/copy':>7} | "
                   f"{'zc s/GB':>10} {'copy s/GB':>10} {'copy/zc':>7} | worst MB/s zc/copy | memory")
        for size, depth in sorted(res.points("consume_checksum", fill=fill),
                                  key=lambda p: (p[1] > 8, p[0])):
            at = dict(test="consume_checksum", buf_size=size, ring_depth=depth, fill=fill)
            zc, cp = (res.value("throughput", mode=m, **at) for m in ("zerocopy", "copy"))
            zcs, cps = (res.value("cpu_per_gb", mode=m, **at) for m in ("zerocopy", "copy"))
            zw, cw = (res.value("throughput_worst", mode=m, **at) for m in ("zerocopy", "copy"))
            bad = sum(r["value"] for r in res.find("pattern_errors", **at))
            kinds = "/".join(k or "-" for k in res.kinds(**at))
            out.append(f"{size_str(size):<8} {depth:>5} | {num(zc, '10.1f')} {num(cp, '10.1f')} "
                       f"{num(ratio(zc, cp), '7.2f')} | {num(zcs, '10.3f')} {num(cps, '10.3f')} "
                       f"{num(ratio(cps, zcs), '7.2f')} | {num(zw, '.0f') + '/' + num(cw, '.0f'):>17}"
                       f" | {kinds}" + ("  PATTERN MISMATCH" if bad else ""))
    out.append("")
    out.append("producer ceiling (zero copy, the consumer does not touch the data):")
    for r in res.find("throughput", test="producer_ceiling"):
        p = r["params"]
        cpu = res.value("cpu_per_gb", test="producer_ceiling", fill=p["fill"])
        out.append(f"  {size_str(p['buf_size'])} x {p['ring_depth']}, fill={p['fill']}: "
                   f"{r['value']:10.1f} MB/s  (consumer CPU {num(cpu, '.3f')} s/GB)")
    for r in res.find("throughput", test="checksum_only"):
        out.append(f"  checksum alone over {size_str(r['params']['buf_size'])} of malloc'd "
                   f"memory: {r['value']:.1f} MB/s")


def overhead_table(res, out):
    kinds = [k for k in res.kinds(test="round_trip") if k]
    out.append("== 2. per-buffer overhead: model fill=0 (writes nothing), rate=0"
               + (f", {'/'.join(kinds)} ring" if kinds else "") + " ==")
    ns = {m: res.value("ns_per_call", test="null_syscall", mode=m)
          for m in ("getppid", "read0", "release0")}
    g = ns["getppid"]
    if g:
        out.append(f"null calls: getppid {ns['getppid']:.0f} ns, read(fd,0) {num(ns['read0'], '.0f')} ns "
                   f"({num(ratio(ns['read0'], g), '.2f')}x), RELEASE(0) {num(ns['release0'], '.0f')} ns "
                   f"({num(ratio(ns['release0'], g), '.2f')}x)")
        if ns["read0"] is not None and ns["release0"] is not None:
            both = ns["read0"] + ns["release0"]
            out.append(f"two null syscalls = {2 * g:.0f} ns; read(0) + RELEASE(0) = {both:.0f} ns "
                       f"({both / (2 * g):.2f}x two null)")
    out.append(f"{'per call':<22} {'buffers/s':>10} {'wall ns/buf':>11} {'CPU ns/buf':>11} "
               f"{'CPU/2null':>10} {'wall/2null':>10} {'recs/read':>9} {'short':>6}")
    for mode, name in (("zerocopy", "read+RELEASE"), ("exchange", "EXCHANGE")):
        for r in res.find("buffers_per_s", test="round_trip", mode=mode):
            at = dict(test="round_trip", mode=mode, batch=r["params"]["batch"])
            v = {m: res.value(m, **at) for m in (
                "wall_ns_per_buffer", "cpu_ns_per_buffer", "cpu_ratio_to_2_null",
                "wall_ratio_to_2_null", "records_per_read", "short_read_fraction")}
            short = v["short_read_fraction"]
            out.append(f"{'k=%d %s' % (at['batch'], name):<22} {r['value']:10.0f} "
                       f"{num(v['wall_ns_per_buffer'], '11.0f')} {num(v['cpu_ns_per_buffer'], '11.0f')} "
                       f"{num(v['cpu_ratio_to_2_null'], '10.3f')} {num(v['wall_ratio_to_2_null'], '10.3f')} "
                       f"{num(v['records_per_read'], '9.2f')} "
                       f"{num(short * 100 if short is not None else None, '5.0f')}%")
    out.append("cost = consumer CPU (user+sys) per buffer; wall includes waiting for the model.")
    out.append("k > 1 runs use SET_COALESCE count=k usecs=200; k = 1 runs without coalescing.")
    out.append("short = reads that returned fewer than k records. Raw UAPI on a blocking file.")


def checksum_table(res, out):
    out.append("== 3. checksum over the mapped ring vs malloc'd memory (same function, same size) ==")
    out.append(f"{'size':<10} {'depth':>5} {'memory':<9} {'mapped MB/s':>14} {'malloc MB/s':>14} "
               f"{'ratio':>8}")
    for size, depth in res.points("mapped_vs_malloc"):
        for kind in res.kinds(test="mapped_vs_malloc", buf_size=size):
            at = dict(test="mapped_vs_malloc", buf_size=size, memory=kind)
            bad = sum(r["value"] or 0 for r in res.find("pattern_errors", **at))
            out.append(f"{size_str(size):<10} {depth:>5} {kind or '-':<9} "
                       f"{num(res.value('throughput', mode='mapped', **at), '14.1f')} "
                       f"{num(res.value('throughput', mode='malloc', **at), '14.1f')} "
                       f"{num(res.value('mapped_over_malloc', **at), '8.3f')}"
                       + (f"  PATTERN MISMATCH ({bad:.0f} words)" if bad else ""))
    if any(res.kinds(test="mapped_vs_malloc")):
        out.append("memory: the kind the ring got (fpgadma_memory()). Every word the model wrote was")
        out.append("checked against its pattern while the ring filled. On x86 both kinds are cached.")


LATENCY = (
    ("model", "fpgadma model 1000/s", "handler timestamp -> fpgadma_next_batch() returns"),
    ("edu", "fpgadma edu", "handler timestamp -> fpgadma_next_batch() returns (MSI, ~10/s)"),
    ("uio", "UIO edu (baseline)", "user MMIO raise -> INTx -> read(/dev/uio) returns"),
)


def latency_table(res, out):
    out.append("== 4. interrupt-to-user latency (reader pinned to CPU 0, UIO raiser on CPU 1) ==")
    cols = ("samples", "min_us", "p50_us", "p99_us", "max_us", "mean_us")
    out.append(f"{'source':<22} {'samples':>7} {'min us':>9} {'p50 us':>9} {'p99 us':>9} "
               f"{'max us':>9} {'mean us':>9}   measures")
    for mode, name, what in LATENCY:
        v = [res.value(c, test="irq_to_user", mode=mode) for c in cols]
        if v[0] is None:
            out.append(f"{name:<22} not measured")
            continue
        out.append(f"{name:<22} {v[0]:7.0f} " + " ".join(num(x, "9.1f") for x in v[1:])
                   + f"   {what}")
    late = {m: res.value("not_blocked_reads", test="irq_to_user", mode=m) for m in ("model", "edu")}
    if any(late.values()):
        out.append(f"reads that found a record already done (not counted): model "
                   f"{num(late['model'], '.0f')}, edu {num(late['edu'], '.0f')}")
    out.append("fpgadma figures start in the interrupt handler; the UIO figure starts before the")
    out.append("raising MMIO write, so it also includes the raise path and interrupt entry.")


def targets_table(doc, out):
    out.append("== targets (ratios within this run) ==")
    out.append(f"{'target':<40} {'value':>10} {'':>3} {'limit':>8}  {'result':<6} what")
    for t in doc["targets"]:
        out.append(f"{t['name']:<40} {num(t['value'], '10.3f')} {t['cmp']:>3} "
                   f"{num(t['limit'], '8.3f')}  {t['result'].upper():<6} "
                   + ("PRIMARY " if t["primary"] else "") + t["what"])


def table(doc, res):
    dev = doc["devices"]
    out = [f"dma_throughput on {doc['kernel']}, {doc['cpus']} CPUs"
           + (", --quick" if doc["quick"] else "")
           + (f", --memory {doc['memory']}" if doc.get("memory", "auto") != "auto" else "")
           + f"; model {dev['model'] or '(none)'}, edu {dev['edu'] or '(none)'}, "
           f"uio {dev['uio'] or '(none)'}"]
    sections = [r["section"] for r in doc["results"]]
    for name, render in (("throughput", throughput_table), ("overhead", overhead_table),
                         ("checksum", checksum_table), ("latency", latency_table)):
        if name in sections:
            out.append("")
            render(res, out)
    out.append("")
    targets_table(doc, out)
    if doc["notes"]:
        out.append("")
        out.append("notes:")
        out.extend(f"  - {n}" for n in doc["notes"])
    return "\n".join(out) + "\n"


def write_csv(doc, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(CSV_HEADER)
        for r in doc["results"]:
            p = r["params"]
            w.writerow([r["section"], r["test"], r["mode"]] + [p.get(k, "") for k in PARAMS]
                       + [r["metric"], "" if r["value"] is None else f"{r['value']:.6g}", r["unit"]])
        for t in doc["targets"]:
            w.writerow(["target", t["name"], t["result"], "", "", "", "", "", "value",
                        "" if t["value"] is None else f"{t['value']:.6g}",
                        t["cmp"] + ("" if t["limit"] is None else f"{t['limit']:.6g}")])


def write_plot_data(res, outdir):
    """Per fill, the shallowest and the deepest ring at each buffer size."""
    for fill in (2, 1):
        for pick, name in ((min, "shallow"), (max, "deep")):
            lines = []
            by_size = {}
            for size, depth in res.points("consume_checksum", fill=fill):
                by_size.setdefault(size, []).append(depth)
            for size in sorted(by_size):
                depth = pick(by_size[size])
                at = dict(test="consume_checksum", buf_size=size, ring_depth=depth, fill=fill)
                v = [res.value(m, mode=mode, **at) for m in ("throughput", "cpu_per_gb")
                     for mode in ("zerocopy", "copy")]
                if None in v:
                    continue
                lines.append(f"{size // 1024} {depth} {v[0]:.6g} {v[1]:.6g} {v[2]:.6g} {v[3]:.6g}\n")
            with open(os.path.join(outdir, f"plot-fill{fill}-{name}.dat"), "w") as f:
                f.writelines(lines)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        doc = json.load(f)
    res = Results(doc["results"])
    with open(os.path.join(argv[2], "table.txt"), "w") as f:
        f.write(table(doc, res))
    write_csv(doc, os.path.join(argv[2], "dma_throughput.csv"))
    write_plot_data(res, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
