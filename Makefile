# Makefile - builds libcoinbus.a, every service into build/bin/, the tests and the fuzzers.
# make            all binaries into build/bin/ (-O2)
# make SAN=1      the same with ASan+UBSan into build/san/bin/
# make test       deps, build, unit + integration tests, short fuzz runs
# make run        deps, build, start the local stack (Ctrl-C stops it)
# make fuzz       libFuzzer targets (clang) into build/fuzz/
# make bench      benchmarks (not part of make test), see tests/bench/README.md
# make deps       check / install the Debian packages coinbus needs
# make clean

.DEFAULT_GOAL := all
SHELL := /bin/bash

PKGS := libczmq libzmq hiredis msgpack libcurl openssl libwebsockets zlib
CC ?= cc

ifeq ($(SAN),1)
BUILD := build/san
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD := build
OPT := -O2 -g
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral -Wno-format-zero-length
SERVICE_DIRS := $(patsubst %/,%,$(wildcard services/*/))
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -MMD -MP -Ishared -Ishared/venue -Ishared/httpd -Iproto -Itests/harness \
	$(addprefix -I,$(SERVICE_DIRS)) $(PKG_CFLAGS) $(CFLAGS)
# The HTTP/WebSocket server in shared/httpd/ (h2o's evloop build and wslay) goes into every link.
HTTPD_LIBS = $(shell pkg-config --libs libh2o-evloop 2>/dev/null) -lwslay
LDLIBS_ALL = $(PKG_LIBS) $(HTTPD_LIBS) -lpthread -lm $(LDLIBS)
LDFLAGS_ALL = $(OPT) $(LDFLAGS)

SHARED_SRC := $(wildcard shared/*.c shared/*/*.c)
LUA_SRC := $(wildcard shared/lua/*.lua)
# The Lua scripts are files in the repo, embedded into the library at build time.
LUA_GEN := $(BUILD)/gen/cb_lua_sources.c
SHARED_OBJ := $(SHARED_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/cb_lua_sources.o
LIB := $(BUILD)/lib/libcoinbus.a
# api-edge's web files (dashboard, /docs, openapi.json) are files in the repo too,
# embedded into the service (and libservices.a, for tests) at build time.
WWW_DIR := services/api-edge/www
WWW_SRC := $(shell find $(WWW_DIR) -type f ! -name '.*' 2>/dev/null | LC_ALL=C sort)
WWW_GEN := $(BUILD)/gen/edge_static_files.c
WWW_OBJ := $(BUILD)/obj/gen/edge_static_files.o

SERVICES := $(notdir $(patsubst %/,%,$(dir $(wildcard services/*/main.c))))
# Every service module but main.c, in one archive, so tests can drive them directly.
SERVICE_MOD_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out %/main.c,$(wildcard services/*/*.c)))
SERVICE_LIB := $(BUILD)/lib/libservices.a
BINS := $(SERVICES:%=$(BUILD)/bin/%)

HARNESS_SRC := $(wildcard tests/harness/*.c)
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_BINS := $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/integration/%)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
BROWSER_NPM := tests/browser/node_modules/.package-lock.json

.PHONY: all deps test test-only run fuzz bench clean tests
# Keep every object file: the fuzz objects are otherwise removed as intermediates.
.SECONDARY:
all: $(BINS)

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LUA_GEN): $(LUA_SRC) scripts/embed_lua.sh
	@mkdir -p $(dir $@)
	scripts/embed_lua.sh $@ $(LUA_SRC)

$(BUILD)/obj/gen/cb_lua_sources.o: $(LUA_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(WWW_GEN): $(WWW_SRC) scripts/embed_www.sh
	@mkdir -p $(dir $@)
	scripts/embed_www.sh $@ $(WWW_DIR) $(WWW_SRC)

$(WWW_OBJ): $(WWW_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB): $(SHARED_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(SERVICE_LIB): $(SERVICE_MOD_OBJ) $(WWW_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# One binary per services/<name>/ folder, from every .c file in it.
# A service may need more libraries: SERVICE_LIBS_<name>, or generated objects: SERVICE_OBJS_<name>.
SERVICE_OBJS_api-edge = $(WWW_OBJ)
define SERVICE_template
$(BUILD)/bin/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard services/$(1)/*.c)) $$(SERVICE_OBJS_$(1)) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $$(LDLIBS_ALL) $$(SERVICE_LIBS_$(1))
endef
$(foreach s,$(SERVICES),$(eval $(call SERVICE_template,$(s))))

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(HARNESS_OBJ) $(SERVICE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

$(BUILD)/tests/integration/%: $(BUILD)/obj/tests/integration/%.o $(HARNESS_OBJ) $(SERVICE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(HARNESS_OBJ) $(SERVICE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

tests: $(BINS) $(UNIT_BINS) $(INTEG_BINS) $(BROWSER_NPM)

# The browser test's npm packages (playwright-core only: it drives Debian's
# chromium, no browser is downloaded); reinstalled when the lock file changes.
$(BROWSER_NPM): tests/browser/package.json tests/browser/package-lock.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser --no-audit --no-fund
	@touch $@

# The README's test command. Runs every unit and integration test, each in its
# own process with a timeout, then each fuzzer for a few seconds on its corpus.
test: deps
	@$(MAKE) --no-print-directory tests fuzz
	@BUILD=$(BUILD) tests/run.sh

test-only: tests
	@BUILD=$(BUILD) FUZZ=0 tests/run.sh

run: deps all
	@BUILD=$(BUILD) scripts/run.sh

# libFuzzer targets: the shared library compiled again with clang and the fuzzer
# instrumentation, one binary per tests/fuzz/fuzz_*.c.
FUZZ_BUILD := build/fuzz
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_SHARED_OBJ := $(SHARED_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) $(FUZZ_BUILD)/obj/gen/cb_lua_sources.o
FUZZ_SERVICE_LIB := $(FUZZ_BUILD)/lib/libservices.a
FUZZ_SERVICE_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(filter-out %/main.c,$(wildcard services/*/*.c))) \
	$(FUZZ_BUILD)/obj/gen/edge_static_files.o
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Wno-format-zero-length -Ishared -Ishared/venue -Ishared/httpd -Iproto $(addprefix -I,$(SERVICE_DIRS)) \
	$(PKG_CFLAGS)
fuzz: $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/obj/gen/cb_lua_sources.o: $(LUA_GEN)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/obj/gen/edge_static_files.o: $(WWW_GEN)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_SERVICE_LIB): $(FUZZ_SERVICE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/%: tests/fuzz/%.c $(FUZZ_SERVICE_LIB) $(FUZZ_SHARED_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) $(HTTPD_LIBS) -lpthread -lm

# wrk and nginx (bench_edge) are installed here when missing, not by make deps.
bench: $(BENCH_BINS) $(BINS)
	@scripts/deps.sh --bench
	@BUILD=$(BUILD) tests/bench/run.sh

clean:
	rm -rf build

-include $(SHARED_OBJ:.o=.d) $(HARNESS_OBJ:.o=.d) $(FUZZ_SHARED_OBJ:.o=.d)
-include $(wildcard $(BUILD)/obj/services/*/*.d $(BUILD)/obj/tests/*/*.d)
