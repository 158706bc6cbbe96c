# hvguest: one plain Makefile (DESIGN.md). `make`, `make check`,
# `make check SANITIZE=1`, `make check-fresh`, `make install DESTDIR=… PREFIX=…`, `make demo`,
# `make bench`, `make fuzz`.

VERSION     := 0.1.0
PREFIX      ?= /usr
SBINDIR     ?= $(PREFIX)/sbin
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
LOCALSTATEDIR ?= /var
RUNSTATEDIR ?= /run
UNITDIR     ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
DESTDIR     ?=

CC          ?= cc
CLANG       ?= clang
PKG_CONFIG  ?= pkg-config

ifeq ($(SANITIZE),1)
BUILD       ?= build-san
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD       ?= build
SAN_FLAGS   :=
endif

WARN        := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
PATHS       := -DHVGUEST_VERSION='"$(VERSION)"' \
               -DHVGUEST_SYSCONFDIR='"$(SYSCONFDIR)"' \
               -DHVGUEST_LOCALSTATEDIR='"$(LOCALSTATEDIR)"' \
               -DHVGUEST_RUNSTATEDIR='"$(RUNSTATEDIR)"'
CFLAGS      ?= -O2 -g
# The libraries' flags are asked of pkg-config only when a recipe first needs
# them, i.e. after deps-present has installed the libraries on a fresh
# machine (every compile and link is ordered after it), then kept: parsed
# earlier, they would be empty on the first run (netlink/errno.h not found).
# An empty answer (pkg-config not there yet) is not kept but asked again.
lazy        = $(or $($(1)_KEPT),$(eval $(1)_KEPT := $(shell $(PKG_CONFIG) $(2) 2>/dev/null))$($(1)_KEPT))
PKG_CFLAGS  = $(call lazy,PKG_CFLAGS,--cflags libsystemd inih libnl-3.0 libnl-route-3.0)
ALL_CFLAGS  = -std=gnu11 -D_GNU_SOURCE $(WARN) $(PATHS) -Ilib $(SAN_FLAGS) $(CFLAGS) $(PKG_CFLAGS)
LDLIBS_SYS  = $(call lazy,LDLIBS_SYS,--libs libsystemd inih libnl-3.0 libnl-route-3.0)
LDLIBS_CUNIT= $(call lazy,LDLIBS_CUNIT,--libs cunit)
ALL_LDFLAGS := $(SAN_FLAGS) $(LDFLAGS)

LIB_SRCS    := $(wildcard lib/*.c)
LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB         := $(BUILD)/libhvguest.a

KVPD_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(wildcard daemons/kvp/*.c))
HOSTSIM_OBJS:= $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/hv-hostsim/*.c))
HVKVP_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/hv-kvp/*.c))
VSSD_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(wildcard daemons/vss/*.c))
FCOPYD_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard daemons/fcopy/*.c))

PROGS       := $(BUILD)/hypervkvpd $(BUILD)/hv-hostsim
ifneq ($(HVKVP_OBJS),)
PROGS       += $(BUILD)/hv-kvp
endif
ifneq ($(VSSD_OBJS),)
PROGS       += $(BUILD)/hypervvssd
endif
ifneq ($(FCOPYD_OBJS),)
PROGS       += $(BUILD)/hypervfcopyd
endif

UNIT_SRCS   := $(wildcard tests/unit/test-*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_REPLAY := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/%-replay)
FUZZ_BINS   := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)
BENCH_SRCS  := $(wildcard bench/*.c)
BENCH_BINS  := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

MANPAGES    := $(wildcard man/*.[0-9].in)
MAN_OUT     := $(MANPAGES:man/%.in=$(BUILD)/man/%)

.PHONY: all check check-unit check-fuzz check-integration check-compat install demo bench fuzz clean deps format-check lint-man
.PHONY: check-faults load check-system

all: $(PROGS) $(MAN_OUT)

# A missing dependency is installed (apt-get or dnf, packaging/install-build-deps)
# before anything is compiled, so that every target works on a fresh machine:
# each compile rule has deps-present as an order-only prerequisite (also
# under -j), and the targets that run tests or tools have it as a
# prerequisite. Those that need more ask for more (DEPS_SETS): check --test,
# fuzz --fuzz, bench --bench, deb --deb, rpm --rpm.
.PHONY: deps-present
deps-present:
	@packaging/install-build-deps $(DEPS_SETS)

check: DEPS_SETS += --test
check-compat: DEPS_SETS += --test
check-faults: DEPS_SETS += --test
fuzz: DEPS_SETS += --fuzz
bench: DEPS_SETS += --bench
load: DEPS_SETS += --test

deps:
	packaging/install-build-deps --all

$(BUILD)/%.o: %.c | deps-present
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/hypervkvpd: $(KVPD_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_SYS)

$(BUILD)/hv-hostsim: $(HOSTSIM_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_SYS)

$(BUILD)/hv-kvp: $(HVKVP_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_SYS)

$(BUILD)/hypervvssd: $(VSSD_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_SYS)

$(BUILD)/hypervfcopyd: $(FCOPYD_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_SYS)

$(BUILD)/tests/test-%: $(BUILD)/tests/unit/test-%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_SYS) $(LDLIBS_CUNIT)

# Small programs the integration scripts run (e.g. a NOTIFY_SOCKET listener).
$(BUILD)/tests/helpers/%: tests/helpers/%.c | deps-present
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

# Fuzz targets: replayed over their seed corpus by `make check` (any
# compiler), fuzzed for real by `make fuzz` (clang + libFuzzer).
$(BUILD)/tests/fuzz-%-replay: $(BUILD)/tests/fuzz/fuzz-%.o $(BUILD)/tests/fuzz/replay-main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_SYS)

build-fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(LIB_SRCS) $(wildcard lib/*.h) | deps-present
	@mkdir -p $(dir $@)
	$(CLANG) -std=gnu11 -D_GNU_SOURCE $(PATHS) -Ilib $(PKG_CFLAGS) -g -O1 \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRCS) $(LDLIBS_SYS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_SYS)

# The LD_PRELOAD shim for running the upstream daemons against hv-hostsim.
$(BUILD)/bench/vmbus-shim.so: bench/shim/vmbus-shim.c | deps-present
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# Man pages: mdoc sources with @PATHS@ substituted from this Makefile.
$(BUILD)/man/%: man/%.in | deps-present
	@mkdir -p $(dir $@)
	sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' \
	    -e 's|@RUNSTATEDIR@|$(RUNSTATEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

check: deps-present all $(UNIT_BINS) $(HELPER_BINS) $(FUZZ_REPLAY) $(BENCH_BINS) $(BUILD)/bench/vmbus-shim.so
	BUILD=$(BUILD) tests/run-all.sh

# The README's `make demo` then `make check`, first time, in a fresh Debian 12
# root (debootstrap minbase) with a clean clone of HEAD: needs root, ~20 min.
.PHONY: check-fresh
check-fresh:
	@sh tests/system/check-fresh.sh || { rc=$$?; [ $$rc -eq 77 ] || exit $$rc; echo "check-fresh: skipped (needs root)"; }

# Differential tests against Debian's hyperv-daemons (docs/compatibility.md);
# also run by `make check` (tests/integration/test-compat.sh) as root.
check-compat: deps-present all $(BUILD)/bench/vmbus-shim.so
	HVGUEST_BUILD=$(CURDIR)/$(BUILD) sh tests/compat/run.sh

fuzz: deps-present $(FUZZ_BINS)
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} tests/fuzz/run-fuzz.sh $(FUZZ_BINS)

# Fault injection (root): tests/faults/run.sh; also part of `make check` as root.
check-faults: deps-present all
	HVGUEST_BUILD=$(CURDIR)/$(BUILD) HVGUEST_SRC=$(CURDIR) tests/faults/run.sh

# The package under a real systemd (root): the .deb of this tree installed
# over hyperv-daemons in a booted Debian 12 container (tests/system/run.sh).
# Then, per real network manager (one prepared root each, cached), IP
# injection applied by it (tests/system/test-ipinject.sh); set
# CHECK_SYSTEM_MANAGERS= to skip those. Not root: skipped, with a message.
CHECK_SYSTEM_MANAGERS ?= networkmanager networkd netplan
check-system:
	@if [ "$$(id -u)" -ne 0 ]; then echo "check-system: skipped: needs root (debootstrap, systemd-nspawn)"; exit 0; fi; \
	$(MAKE) --no-print-directory deps-present DEPS_SETS=--deb $(BUILD)/bench/vmbus-shim.so && \
	mkdir -p $(BUILD)/system && rm -f $(BUILD)/system/debs/*.deb && \
	sh packaging/build-package deb $(BUILD)/system/debs >$(BUILD)/system/build-package.log 2>&1 || \
		{ tail -n 30 $(BUILD)/system/build-package.log; exit 1; }; \
	rc=0; BUILD=$(BUILD) sh tests/system/run.sh || rc=1; \
	for m in $(CHECK_SYSTEM_MANAGERS); do \
		echo "== check-system with $$m"; \
		HVGSYS_MANAGER=$$m BUILD=$(BUILD) sh tests/system/run.sh || rc=1; \
	done; exit $$rc

# The long load run (not part of `make check`): tests/load/run-load.sh.
load: deps-present all $(BENCH_BINS)
	HVGUEST_BUILD=$(CURDIR)/$(BUILD) HVGUEST_SRC=$(CURDIR) tests/load/run-load.sh

bench: deps-present all $(BENCH_BINS) $(BUILD)/bench/vmbus-shim.so
	BUILD=$(BUILD) bench/run.sh

demo: all
	BUILD=$(BUILD) tests/demo.sh

lint-man: $(MAN_OUT) | deps-present
	mandoc -Tlint -W warning $(MAN_OUT)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/hvguest/hvguest.conf.d
	install -m 0755 $(BUILD)/hypervkvpd $(DESTDIR)$(SBINDIR)/hypervkvpd
	install -m 0755 $(BUILD)/hv-hostsim $(DESTDIR)$(BINDIR)/hv-hostsim
	for p in hypervvssd hypervfcopyd; do [ ! -e $(BUILD)/$$p ] || install -m 0755 $(BUILD)/$$p $(DESTDIR)$(SBINDIR)/$$p; done
	[ ! -e $(BUILD)/hv-kvp ] || install -m 0755 $(BUILD)/hv-kvp $(DESTDIR)$(BINDIR)/hv-kvp
	install -D -m 0644 completion/hv-kvp.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hv-kvp
	for m in $(MAN_OUT); do s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	[ -e $(DESTDIR)$(SYSCONFDIR)/hvguest/hvguest.conf ] || \
		install -m 0644 conf/hvguest.conf $(DESTDIR)$(SYSCONFDIR)/hvguest/hvguest.conf
	for u in systemd/*.service; do [ -e "$$u" ] || continue; install -d $(DESTDIR)$(UNITDIR); \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' $$u > $(DESTDIR)$(UNITDIR)/$${u##*/}; chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}; done
	# The unit names of Debian's hyperv-daemons, as aliases that always exist
	# (symlinks, not Alias=, which disable would remove): packaging/README.md.
	for a in hypervkvpd:hv-kvp-daemon hypervvssd:hv-vss-daemon hypervfcopyd:hv-fcopy-daemon; do \
		ln -sfn $${a%%:*}.service $(DESTDIR)$(UNITDIR)/$${a#*:}.service; done
	install -D -m 0644 systemd/70-hvguest.rules $(DESTDIR)$(UDEVRULESDIR)/70-hvguest.rules
	install -D -m 0644 conf/systemd/hypervkvpd-ip-injection.conf \
		$(DESTDIR)$(PREFIX)/share/doc/hvguest/hypervkvpd-ip-injection.conf

# Packages from the working tree, built in a throwaway copy (packaging/README.md).
.PHONY: deb rpm
deb: DEPS_SETS += --deb
deb: deps-present
	sh packaging/build-package deb $(BUILD)

rpm: DEPS_SETS += --rpm
rpm: deps-present
	sh packaging/build-package rpm $(BUILD)

format-check:
	clang-format --dry-run --Werror lib/*.[ch] daemons/*/*.[ch] tools/*/*.[ch]

clean:
	rm -rf build build-san build-fuzz

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
