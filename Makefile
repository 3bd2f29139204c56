# SPDX-License-Identifier: GPL-2.0-only
# fpgadma: kernel module, tests and VM images.
#
#   make          build the module for the VM kernel (or KVER=...)
#   make check    install missing packages, build, run every test
#   make demo     boot the emulated device and capture a stream
#   make clean

KVER ?= $(shell scripts/kver.sh 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)

all: module

module:
	$(MAKE) -C driver KDIR=$(KDIR)

check:
	scripts/check.sh

demo:
	scripts/demo.sh

clean:
	-$(MAKE) -C driver KDIR=$(KDIR) clean
	$(MAKE) -C tests/host clean
	rm -rf build

.PHONY: all module check demo clean
