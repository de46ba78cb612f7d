# foureyes - GNU Make build.
#
#   make              release build in build/ (binaries in build/bin)
#   make check        ASan+UBSan build in build/san, unit + e2e tests, and a
#                     short run of every libFuzzer target; ends "N passed, N failed"
#   make demo         the whole CA on this machine (ONCE=1: walkthrough, then exit)
#   make fuzz         libFuzzer targets in build/fuzz (clang)
#   make bench        benchmarks (not part of check)

SAN ?= 0
ONCE ?=
# O=DIR puts the build elsewhere (parallel work trees, experiments).
ifeq ($(SAN),1)
O ?= build/san
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=all
else
O ?= build
OPT := -O2 -g
endif

CC ?= cc
FUZZCC ?= clang
PKGS := libcrypto sqlite3 inih libgfshare
# fe-watch and fe (alerts by SMTP, JSON) need these; fe-signer never links them.
WATCH_PKGS := libcurl jansson
# (libunbound is left out: its .pc wants libevent-dev for --cflags, and
# its headers are in /usr/include.)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(WATCH_PKGS) libmicrohttpd hiredis libargon2 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WATCH_LIBS := $(shell pkg-config --libs $(WATCH_PKGS) 2>/dev/null) -lpthread
# fe-status: HTTP server and the Redis tier.
STATUS_PKGS := libmicrohttpd hiredis
STATUS_LIBS := $(shell pkg-config --libs $(STATUS_PKGS) 2>/dev/null) -lpthread
# fe-web: HTTP server, DNS (libunbound), argon2id, SMTP and HTTP (libcurl).
WEB_PKGS := libmicrohttpd libunbound libargon2 libcurl jansson
WEB_LIBS := $(shell pkg-config --libs $(WEB_PKGS) 2>/dev/null) -lpthread
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
        -Wmissing-prototypes -Wvla -Wpointer-arith
CPPFLAGS := -Isrc -D_GNU_SOURCE $(PKG_CFLAGS)
CFLAGS := -std=c17 $(WARN) $(OPT) -fstack-protector-strong -fPIE -MMD -MP
LDFLAGS := $(filter -fsanitize=%,$(OPT)) -pie -Wl,-z,relro,-z,now
LDLIBS := $(PKG_LIBS) -lm

LIB_SRC := $(wildcard src/lib/*.c src/pki/*.c src/store/*.c src/link/*.c)
LIB_OBJ := $(LIB_SRC:src/%.c=$(O)/obj/%.o)
LIBFE := $(O)/libfe.a

FE_SRC := $(wildcard src/cli/*.c)
SIGNER_SRC := src/signer/main.c
SIGNERLIB_SRC := $(filter-out src/signer/main.c,$(wildcard src/signer/*.c))
SIGNERLIB := $(O)/libsigner.a
LINESIM_SRC := $(wildcard src/linesim/*.c)
WATCH_SRC := src/watch/main.c
WATCHLIB_SRC := $(filter-out src/watch/main.c,$(wildcard src/watch/*.c))
WATCHLIB := $(O)/libwatch.a
STATUS_SRC := src/status/main.c
STATUSLIB_SRC := $(filter-out src/status/main.c,$(wildcard src/status/*.c))
STATUSLIB := $(O)/libstatus.a
WEB_SRC := src/web/main.c
WEBLIB_SRC := $(filter-out src/web/main.c,$(wildcard src/web/*.c))
WEBLIB := $(O)/libweb.a
BINS := $(O)/bin/fe $(O)/bin/fe-signer $(O)/bin/fe-linesim $(O)/bin/fe-watch \
        $(O)/bin/fe-status $(O)/bin/fe-web

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(O)/tools/%)

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ := $(LIB_SRC:src/%.c=build/fuzz/obj/%.o) $(WATCHLIB_SRC:src/%.c=build/fuzz/obj/%.o) \
                $(STATUSLIB_SRC:src/%.c=build/fuzz/obj/%.o) $(WEBLIB_SRC:src/%.c=build/fuzz/obj/%.o)
FUZZ_FLAGS := -std=c17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=all -Wall -Wextra -Werror -Wno-unused-command-line-argument

BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=build/bench/%)

.PHONY: all tests check fuzz demo bench clean deps
all: $(BINS)

$(O)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBFE): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(SIGNERLIB): $(SIGNERLIB_SRC:src/%.c=$(O)/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(WATCHLIB): $(WATCHLIB_SRC:src/%.c=$(O)/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(STATUSLIB): $(STATUSLIB_SRC:src/%.c=$(O)/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(WEBLIB): $(WEBLIB_SRC:src/%.c=$(O)/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(O)/bin/fe-web: $(WEB_SRC:src/%.c=$(O)/obj/%.o) $(WEBLIB) $(LIBFE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(WEB_LIBS)

$(O)/bin/fe-status: $(STATUS_SRC:src/%.c=$(O)/obj/%.o) $(STATUSLIB) $(LIBFE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(STATUS_LIBS)

$(O)/bin/fe: $(FE_SRC:src/%.c=$(O)/obj/%.o) $(WATCHLIB) $(LIBFE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(WATCH_LIBS)

$(O)/bin/fe-watch: $(WATCH_SRC:src/%.c=$(O)/obj/%.o) $(WATCHLIB) $(LIBFE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(WATCH_LIBS)

$(O)/bin/fe-signer: $(SIGNER_SRC:src/%.c=$(O)/obj/%.o) $(SIGNERLIB) $(LIBFE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The line simulator (a test and demo tool; see fe-linesim(1)).
$(O)/bin/fe-linesim: $(LINESIM_SRC:src/%.c=$(O)/obj/%.o) $(LIBFE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/%: tests/unit/%.c $(SIGNERLIB) $(WATCHLIB) $(STATUSLIB) $(WEBLIB) $(LIBFE)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(filter-out -MMD -MP,$(CFLAGS)) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(SIGNERLIB) $(WATCHLIB) $(STATUSLIB) $(WEBLIB) $(LIBFE) $(LDLIBS) $(WATCH_LIBS) $(STATUS_LIBS) $(WEB_LIBS) $(CMOCKA_LIBS)

$(O)/tools/%: tests/tools/%.c $(SIGNERLIB) $(WATCHLIB) $(WEBLIB) $(LIBFE)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(filter-out -MMD -MP,$(CFLAGS)) $(LDFLAGS) -o $@ $< $(SIGNERLIB) $(WATCHLIB) $(WEBLIB) $(LIBFE) $(LDLIBS) $(WATCH_LIBS) $(WEB_LIBS)

tests: $(BINS) $(UNIT_BIN) $(TOOL_BIN)

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZCC) $(CPPFLAGS) $(FUZZ_FLAGS) -c -o $@ $<

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	$(FUZZCC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS) $(WATCH_LIBS) $(STATUS_LIBS) $(WEB_LIBS)

fuzz: $(FUZZ_BIN)

# Benchmarks always use the release build (SAN=0).
build/bench/%: bench/%.c $(SIGNERLIB) $(WATCHLIB) $(LIBFE)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(filter-out -MMD -MP,$(CFLAGS)) $(LDFLAGS) -o $@ $< $(SIGNERLIB) $(WATCHLIB) $(LIBFE) $(LDLIBS) $(WATCH_LIBS)

# The ceiling of bench/status.sh is a libmicrohttpd server.
build/bench/canned: WATCH_LIBS += -lmicrohttpd

deps:
	@./scripts/install-deps

check: deps
	@$(MAKE) --no-print-directory SAN=1 tests
	@$(MAKE) --no-print-directory fuzz
	@./scripts/run-tests build/san build/fuzz

demo: deps
	@$(MAKE) --no-print-directory SAN=0 all
	@ONCE=$(ONCE) ./scripts/demo

bench:
	@./scripts/install-deps bench
	@$(MAKE) --no-print-directory SAN=0 all $(BENCH_BIN)
	@./bench/run

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(FE_SRC:src/%.c=$(O)/obj/%.d) $(WATCH_SRC:src/%.c=$(O)/obj/%.d) $(WATCHLIB_SRC:src/%.c=$(O)/obj/%.d) $(SIGNER_SRC:src/%.c=$(O)/obj/%.d) $(SIGNERLIB_SRC:src/%.c=$(O)/obj/%.d) \
    $(LINESIM_SRC:src/%.c=$(O)/obj/%.d) $(STATUS_SRC:src/%.c=$(O)/obj/%.d) $(STATUSLIB_SRC:src/%.c=$(O)/obj/%.d) \
    $(WEB_SRC:src/%.c=$(O)/obj/%.d) $(WEBLIB_SRC:src/%.c=$(O)/obj/%.d)
