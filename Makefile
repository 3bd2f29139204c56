# SPDX-License-Identifier: GPL-2.0-only
# fpgadma: kernel module, tests and VM images.
#
#   make          build the module for the VM kernel (or KVER=...)
#   make model    the test double fpgadma_model.ko (tests/model/: the stream
#                 engine's software model; never installed or packaged)
#   make check    install missing packages, build, run every test
#   make lint     checkpatch, sparse, cppcheck, clang-tidy, shellcheck
#   make demo     boot the emulated device and capture a stream
#   make lib      libfpgadma (shared + static, pkg-config) in build/userlib
#   make tools    fpgadma-info, fpgadma-capture and the example
#   make install  module (modules_install + depmod), library, headers,
#                 pkg-config, tools, udev rule, group fpgadma
#                 [PREFIX=/usr/local] [DESTDIR=] [KVER=]; make uninstall
#   make deb      Debian packages into build/deb (fpgadma-dkms, libfpgadma0,
#                 libfpgadma-dev, fpgadma-tools)
#   make clean

KVER ?= $(shell scripts/kver.sh 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)

all: module lib tools

module:
	$(MAKE) -C driver KDIR=$(KDIR)

model:
	$(MAKE) -C tests/model KDIR=$(KDIR)

check:
	scripts/check.sh

demo:
	scripts/demo.sh

# bench/dma_throughput in the VM; results in build/bench (docs/performance.md)
bench:
	scripts/bench.sh
# the same on Debian's arm64 / armmp kernel, model on a device-tree node
bench-arm64:
	scripts/bench.sh --arch arm64
bench-arm:
	scripts/bench.sh --arch arm
.PHONY: bench bench-arm64 bench-arm

lint:
	KDIR=$(KDIR) scripts/lint.sh

PREFIX ?= /usr/local
UDEVRULESDIR ?= /etc/udev/rules.d
USERLIB_O ?= $(CURDIR)/build/userlib
export PREFIX

lib:
	$(MAKE) -C userlib O=$(USERLIB_O) lib

tools:
	$(MAKE) -C userlib O=$(USERLIB_O) tools example

install: module lib tools
	$(MAKE) -C userlib O=$(USERLIB_O) install
	$(MAKE) -C $(KDIR) M=$(CURDIR)/driver INSTALL_MOD_PATH=$(DESTDIR) \
		$(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=) modules_install
	install -D -m 0644 scripts/pkg/60-fpgadma.rules $(DESTDIR)$(UDEVRULESDIR)/60-fpgadma.rules
	@if [ -z "$(DESTDIR)" ]; then \
		depmod -a $(KVER); \
		ldconfig; \
		getent group fpgadma >/dev/null || groupadd --system fpgadma; \
		! command -v udevadm >/dev/null || udevadm control --reload || true; \
		echo "installed; add users to group fpgadma for access to /dev/fpgadma*"; \
	fi

uninstall:
	$(MAKE) -C userlib O=$(USERLIB_O) uninstall
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/fpgadma.ko \
	      $(DESTDIR)/lib/modules/$(KVER)/extra/fpgadma.ko \
	      $(DESTDIR)$(UDEVRULESDIR)/60-fpgadma.rules
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); ldconfig; fi

deb:
	scripts/pkg/build-deb.sh

clean:
	-$(MAKE) -C driver KDIR=$(KDIR) clean
	-$(MAKE) -C tests/model KDIR=$(KDIR) clean
	$(MAKE) -C tests/host clean
	rm -rf build

.PHONY: all module model check demo lint lib tools install uninstall deb clean
