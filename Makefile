# Aegis: one entry point.
#   make            build the XDP object, skeleton, aegisd, aegisctl, tools
#   make test       install missing packages, build, run every test suite
#                   (unit, bpf, integration) and the ASan+UBSan build
#   make run        start aegisd in a self-contained netns lab
#   make fuzz       build every libFuzzer target (clang) into $(BUILD)-fuzz/fuzz
#   make fuzz-long  run each target for FUZZ_SECONDS (default 300)
#   make bench      benchmarks (not tests): ratios against peer tools
#   make vmlinux    regenerate vmlinux.h from the running kernel
# V=1 shows the commands.

BUILD    ?= build
LLHTTP_SRC ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -Iinclude -Iuser -I$(BUILD) -D_GNU_SOURCE \
	-I$(LLHTTP_INC)
LDLIBS   := -lbpf -lxdp -luring -lelf -lz -lyaml -lhs -lcurl -ljansson -lcrypto -lsystemd -lpthread -lm
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	      -I. -Iinclude -Ibpf $(WARN)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2);
endif

.DELETE_ON_ERROR:
.PHONY: all bpf user tests test check test-unit test-bpf test-integration \
	sanitize run bench deps vmlinux clean install uninstall fuzz fuzz-bins fuzz-long

BPF_OBJ  := $(BUILD)/aegis.bpf.o
SKEL     := $(BUILD)/aegis.skel.h
BPF_SRCS := bpf/aegis.bpf.c
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/aegis/*.h)

# Every user/**/*.c except the program mains goes into libaegis.a; the
# folders are subsystems (docs/ARCHITECTURE.md), includes name the folder.
MAINS    := user/aegisd.c user/aegisctl.c
USER_SRCS := $(wildcard user/*.c user/*/*.c)
USER_HDRS := $(wildcard user/*.h user/*/*.h)
LIB_SRCS := $(filter-out $(MAINS),$(USER_SRCS))
LIB_OBJS := $(LIB_SRCS:user/%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libaegis.a
# Debian's llhttp (node-llhttp) ships C sources, not a library: compile them in.
LLHTTP_OBJS := $(BUILD)/obj/llhttp_api.o $(BUILD)/obj/llhttp_http.o \
	       $(BUILD)/obj/llhttp_llhttp.o
PROGS    := $(patsubst user/%.c,$(BUILD)/%,$(wildcard $(MAINS)))

TOOL_SRCS := $(wildcard tools/*.c)
TOOLS    := $(TOOL_SRCS:tools/%.c=$(BUILD)/tools/%)

UNIT_SRCS := $(wildcard tests/unit/*.c)
BPFT_SRCS := $(wildcard tests/bpf/*.c)
UNIT_TEST := $(BUILD)/tests/unit_tests
BPF_TEST  := $(BUILD)/tests/bpf_tests

all: bpf user
bpf: $(BPF_OBJ) $(SKEL)
user: $(LIB) $(PROGS) $(TOOLS)

$(BUILD)/aegis.tmp.o: $(BPF_SRCS) $(BPF_HDRS) vmlinux.h
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OBJ): $(BUILD)/aegis.tmp.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(SKEL): $(BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name aegis > $@

$(BUILD)/obj/%.o: user/%.c $(SKEL) $(USER_HDRS) $(BPF_HDRS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Generated third-party code: its warnings are not ours (-w).
$(BUILD)/obj/llhttp_%.o: $(LLHTTP_SRC)/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -w -c $< -o $@

$(LIB): $(LIB_OBJS) $(LLHTTP_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(PROGS): $(BUILD)/%: $(BUILD)/obj/%.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(TOOLS): $(BUILD)/tools/%: tools/%.c $(LIB) $(SKEL)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB) -o $@ $(LDLIBS)

$(UNIT_TEST): $(UNIT_SRCS) $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(UNIT_SRCS) $(LIB) -o $@ $(LDLIBS) -lcriterion

$(BPF_TEST): $(BPFT_SRCS) $(LIB) $(SKEL) $(wildcard tests/bpf/*.h)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(BPFT_SRCS) $(LIB) -o $@ $(LDLIBS) -lcriterion

tests: all $(if $(UNIT_SRCS),$(UNIT_TEST)) $(if $(BPFT_SRCS),$(BPF_TEST))

# libFuzzer targets: the library rebuilt by clang with coverage, ASan and
# UBSan in $(BUILD)-fuzz, each tests/fuzz/fuzz_*.c linked against it.
# tests/run.sh's "fuzz" suite runs each briefly (inside `make check`);
# `make fuzz-long FUZZ_SECONDS=N` runs each for N seconds.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
# clang names a GNU extension gcc accepts (a cmsg buffer union in the
# engine): not a defect, so not an error in this build.
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined -Wno-gnu-variable-sized-type-not-at-end
FUZZ_SECONDS ?= 300
fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)-fuzz CC=$(CLANG) CFLAGS="$(FUZZ_FLAGS)" \
		fuzz-bins
fuzz-bins: $(FUZZ_BINS)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $< $(LIB) -o $@ $(LDLIBS)
fuzz-long: fuzz
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run.sh $(BUILD) fuzz

deps:
	$(Q)tools/deps.sh

# The README's test command: every suite, then the sanitizer build.
test: deps
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory sanitize

check: tests fuzz
	$(Q)tests/run.sh $(BUILD)

test-unit: tests
	$(Q)tests/run.sh $(BUILD) unit
test-bpf: tests
	$(Q)tests/run.sh $(BUILD) bpf
test-integration: tests
	$(Q)tests/run.sh $(BUILD) integration

# ASan+UBSan build of the userspace code and its unit and BPF suites.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=undefined
sanitize:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)-asan CFLAGS="$(SAN_FLAGS)" tests
	$(Q)ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		tests/run.sh $(BUILD)-asan unit bpf integration

run: deps all
	$(Q)tools/lab-run.sh $(BUILD)

bench: all
	$(Q)tools/deps.sh --bench
	$(Q)tools/bench.sh $(BUILD)
	$(Q)tools/bench_http.sh $(BUILD)
	$(Q)tools/bench_rep.sh $(BUILD)
	$(Q)tools/bench_rep_flood.sh $(BUILD)
	$(Q)tools/bench_metrics.sh $(BUILD)

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

PREFIX    ?= /usr/local
DESTDIR   ?=
SYSCONFDIR ?= /etc
UNITDIR   ?= $(PREFIX)/lib/systemd/system
SBINDIR   := $(PREFIX)/sbin
MAN8DIR   := $(PREFIX)/share/man/man8
# The XDP object is embedded in aegisd (skeleton); aegis.bpf.o is installed
# too for `ip link` and xdp-loader. An existing aegis.yaml is never replaced.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PREFIX)/lib/aegis $(DESTDIR)$(MAN8DIR) \
		$(DESTDIR)$(SYSCONFDIR)/aegis/presets $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -d -m 0750 $(DESTDIR)/var/lib/aegis $(DESTDIR)/var/log/aegis
	install -m 0755 $(PROGS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(BPF_OBJ) $(DESTDIR)$(PREFIX)/lib/aegis/
	install -m 0644 docs/aegisctl.8 docs/aegisd.8 $(DESTDIR)$(MAN8DIR)/
	install -m 0644 configs/presets/*.yaml $(DESTDIR)$(SYSCONFDIR)/aegis/presets/
	[ -e $(DESTDIR)$(SYSCONFDIR)/aegis/aegis.yaml ] || \
		install -m 0640 configs/aegis.yaml $(DESTDIR)$(SYSCONFDIR)/aegis/aegis.yaml
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		packaging/aegisd.service.in > $(DESTDIR)$(UNITDIR)/aegisd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/aegisd.service
	install -m 0644 packaging/aegis.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/aegis

# Keeps $(SYSCONFDIR)/aegis and /var/lib/aegis (configuration and bans).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/aegisd $(DESTDIR)$(SBINDIR)/aegisctl \
		$(DESTDIR)$(PREFIX)/lib/aegis/aegis.bpf.o \
		$(DESTDIR)$(MAN8DIR)/aegisd.8 $(DESTDIR)$(MAN8DIR)/aegisctl.8 \
		$(DESTDIR)$(UNITDIR)/aegisd.service $(DESTDIR)$(SYSCONFDIR)/logrotate.d/aegis
	-rmdir $(DESTDIR)$(PREFIX)/lib/aegis 2>/dev/null

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
