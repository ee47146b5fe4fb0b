# lambda-ric-cpp: the only build entry point.
#
#   make                      library, examples (static bootstraps), tools
#   make test                 check the layering, build and run every GoogleTest suite, two at a
#                             time (TESTS="json_test ..." picks some, TEST_JOBS=1 runs one at a time)
#   make bench                build and run the benchmarks
#   make run                  run examples/hello under the local emulator
#   make package EXAMPLE=x    build/x.zip with a stripped bootstrap at its root (reproducible)
#   make new NAME=x DIR=path  a project of your own in DIR that builds with this library
#
# Variants build into their own folders: ARCH=arm64 (cross-built, in build/arm64),
# SAN=address,undefined or SAN=thread, CXX=clang++, STATIC=0 (dynamic bootstraps),
# WERROR=1 (warnings are errors, as in CI).
# Builds run one job per core unless -j is given (`make -j1`) or MAKEFLAGS sets it.

ifeq ($(filter -j% --jobs%,$(MAKEFLAGS) $(shell printenv MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc)
endif

SAN     ?=
WERROR  ?=
comma   := ,
COMPILER = $(if $(findstring clang,$(notdir $(CXX))),clang,)
# ARCH=arm64 cross-builds into build/arm64 (lambda.mk picks the compiler, ar and strip).
BUILD   ?= build$(if $(LAMBDA_CROSS),/$(ARCH))$(if $(SAN),/san-$(subst $(comma),-,$(SAN)))$(if $(COMPILER),/$(COMPILER))

# The compile, link and package rules users get; this Makefile adds the tests, benchmarks and
# variants.
include lambda.mk
.DEFAULT_GOAL := all

SANFLAGS := $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all)
LAMBDA_WARNINGS += $(if $(WERROR),-Werror)
LAMBDA_FLAGS    := $(SANFLAGS)
# Sanitizer runtimes cannot be linked statically.
ifneq ($(SAN),)
override STATIC := 0
endif

LIB      := $(LAMBDA_LIB)
EMU_LIB  := $(BUILD)/libemulator.a
EMULATOR := $(BUILD)/lambda-emulator

EXAMPLES       := $(patsubst examples/%/,%,$(dir $(wildcard examples/*/*.cpp)))
EXAMPLES       := $(sort $(EXAMPLES))
TEST_FUNCTIONS := $(sort $(patsubst test/functions/%/,%,$(dir $(wildcard test/functions/*/*.cpp))))
BOOTSTRAPS     := $(foreach e,$(EXAMPLES),$(BUILD)/examples/$(e)/bootstrap)
TEST_BOOTSTRAPS := $(foreach f,$(TEST_FUNCTIONS),$(BUILD)/test/functions/$(f)/bootstrap)

SUPPORT_SRCS := $(wildcard test/support/*.cpp)
ALL_TESTS    := $(sort $(patsubst test/%.cpp,%,$(wildcard test/*_test.cpp)))
TESTS        ?= $(ALL_TESTS)
TEST_BINS    := $(addprefix $(BUILD)/test/,$(ALL_TESTS))
TEST_TIMEOUT ?= 600
# Suites run at once: some measure time or CPU, and concurrent_test starts 1600 threads.
TEST_JOBS    ?= 2
TEST_LOGS    := $(BUILD)/test-logs

BENCHES    := $(sort $(patsubst bench/%.cpp,%,$(wildcard bench/*.cpp)))
BENCH_BINS := $(addprefix $(BUILD)/bench/,$(BENCHES))

HEADERS      := $(wildcard include/lambda/*.hpp)
CXX17_CHECKS := $(patsubst include/lambda/%.hpp,$(BUILD)/cxx17/%.o,$(HEADERS))

# Tests, benchmarks and tools are the library's own files: C++20, private headers in reach.
obj = $(call lambda_lib_objs,$(addprefix $(LAMBDA_DIR)/,$(1)))

.PHONY: all lib examples tools tests test check-layers bench run package new clean check-gtest
# Objects made by pattern rules are not intermediate files to delete: rebuilding them is slow.
.SECONDARY:

all: lib examples tools

lib: $(LIB)
examples: $(BOOTSTRAPS)
tools: $(EMULATOR)

# Tests and benchmarks find the bootstraps they run through this path.
$(LAMBDA_OBJ)/test/%.o $(LAMBDA_OBJ)/bench/%.o: LAMBDA_LIB_CPPFLAGS += -DLAMBDA_TEST_BUILD_DIR='"$(abspath $(BUILD))"'

# The emulator's files but its main, for the tests and benchmarks that drive its server.
$(EMU_LIB): $(call lambda_lib_objs,$(filter-out %/main.cpp,$(LAMBDA_EMU_SRCS)))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# Examples are user code (C++17, include/ only); the test functions are the library's own.
$(foreach e,$(EXAMPLES),$(eval $(call lambda_link,$(BUILD)/examples/$(e)/bootstrap,$(call lambda_objs,$(wildcard examples/$(e)/*.cpp)))))
$(foreach e,$(EXAMPLES),$(eval $(call lambda_zip,$(BUILD)/$(e).zip,$(BUILD)/examples/$(e)/bootstrap)))
$(foreach f,$(TEST_FUNCTIONS),$(eval $(call lambda_link,$(BUILD)/test/functions/$(f)/bootstrap,$(call obj,$(wildcard test/functions/$(f)/*.cpp)))))

check-gtest:
	@test -f /usr/include/gtest/gtest.h || test -f /usr/local/include/gtest/gtest.h || \
	  { echo "GoogleTest is missing: install it with 'apt-get install libgtest-dev'" >&2; exit 1; }

$(BUILD)/test/%: $(LAMBDA_OBJ)/test/%.o $(call obj,$(SUPPORT_SRCS)) $(EMU_LIB) $(LIB) | check-gtest
	@mkdir -p $(@D)
	$(CXX) $^ $(LAMBDA_LDFLAGS) $(LDFLAGS) -lgtest -lgtest_main -o $@

# Public headers must compile as C++17: user code may be C++17.
$(BUILD)/cxx17/%.o: include/lambda/%.hpp
	@mkdir -p $(@D)
	printf '#include <lambda/%s.hpp>\n' $* | \
	  $(CXX) -std=c++17 $(LAMBDA_WARNINGS) -Iinclude -x c++ -fsyntax-only - && touch $@

tests: $(CXX17_CHECKS) $(addprefix $(BUILD)/test/,$(TESTS)) $(BOOTSTRAPS) $(TEST_BOOTSTRAPS) $(EMULATOR)

# A layer includes only the layers below it (ARCHITECTURE.md); the script names what breaks that.
check-layers:
	@tools/check-layers.sh

# One line per suite as it ends, the output of those that failed, then "N passed, M failed" last.
test: check-layers tests
	@mkdir -p $(TEST_LOGS) && rm -f $(TEST_LOGS)/*.passed $(TEST_LOGS)/*.failed
	@printf '%s\n' $(TESTS) | GTEST_ARGS='$(GTEST_ARGS)' xargs -P $(TEST_JOBS) -I{} sh -c '\
	  start=$$(date +%s); \
	  timeout $(TEST_TIMEOUT) $(BUILD)/test/{} $$GTEST_ARGS > $(TEST_LOGS)/{}.log 2>&1; status=$$?; \
	  took="$$(($$(date +%s) - start))s"; \
	  if [ $$status -eq 0 ]; then touch $(TEST_LOGS)/{}.passed; echo "PASS {} ($$took)"; \
	  elif [ $$status -eq 124 ]; then touch $(TEST_LOGS)/{}.failed; echo "FAIL {} (timed out after $(TEST_TIMEOUT)s)"; \
	  else touch $(TEST_LOGS)/{}.failed; echo "FAIL {} ($$took, exit status $$status)"; fi'
	@cd $(TEST_LOGS) && for t in $(TESTS); do \
	  [ -e $$t.failed ] || continue; echo "== $$t ($(TEST_LOGS)/$$t.log)"; cat $$t.log; \
	done; \
	passed=$$(ls | grep -c '\.passed$$'); failed=$$(ls | grep -c '\.failed$$'); \
	echo "$$passed passed, $$failed failed"; [ $$failed -eq 0 ]

$(BUILD)/bench/%: $(LAMBDA_OBJ)/bench/%.o $(EMU_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $^ $(LAMBDA_LDFLAGS) $(LDFLAGS) -o $@

bench: $(BENCH_BINS) $(BOOTSTRAPS) $(TEST_BOOTSTRAPS) $(EMULATOR)
	@for b in $(BENCHES); do echo "== $$b"; $(BUILD)/bench/$$b || exit 1; done

# A checker for files (e.g. a conformance suite): $(BUILD)/json-validate FILE...
.PHONY: json-validate
json-validate: $(BUILD)/json-validate
$(BUILD)/json-validate: $(call obj,tools/json-validate.cpp) $(LIB)
	$(CXX) $^ $(LAMBDA_LDFLAGS) $(LDFLAGS) -o $@

run: $(EMULATOR) $(BUILD)/examples/hello/bootstrap
	$(EMULATOR) --concurrency 4 --events examples/hello/events.jsonl -- $(BUILD)/examples/hello/bootstrap

EXAMPLE ?= hello
package: $(BUILD)/$(EXAMPLE).zip

# A project of your own, outside this tree, whose Makefile includes lambda.mk from here.
new:
	@tools/new/new.sh '$(NAME)' '$(DIR)'

# libFuzzer targets (test/fuzz/*.cpp), built with clang into build/fuzz: `make fuzz` runs each
# for FUZZ_SECONDS on its seeds and regression inputs, and fails on any finding (saved under
# build/fuzz/artifacts). FUZZ_TARGETS="base64 ..." picks some; -j2 runs two at a time.
FUZZ_SECONDS ?= 30
FUZZ_CXX     ?= clang++
FUZZ_BUILD   := build/fuzz
FUZZ_ALL     := $(sort $(patsubst test/fuzz/%.cpp,%,$(wildcard test/fuzz/*.cpp)))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CXXFLAGS := -std=c++20 -O1 -g -Wall -Wextra -Iinclude -Isrc -MMD -MP $(FUZZ_SAN)
FUZZ_OBJS    := $(patsubst ./%.cpp,$(FUZZ_BUILD)/obj/%.o,$(LAMBDA_LIB_SRCS) $(filter-out %/main.cpp,$(LAMBDA_EMU_SRCS)))

.PHONY: fuzz fuzz-build
fuzz-build: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))
fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))

$(FUZZ_BUILD)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/%: $(FUZZ_BUILD)/obj/test/fuzz/%.o $(FUZZ_OBJS)
	$(FUZZ_CXX) $^ $(FUZZ_SAN) -fsanitize=fuzzer -pthread -o $@

fuzz-run-%: $(FUZZ_BUILD)/%
	@mkdir -p $(FUZZ_BUILD)/corpus/$* $(FUZZ_BUILD)/artifacts/$*
	nice $< -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_BUILD)/artifacts/$*/ $(FUZZ_BUILD)/corpus/$* \
	  $(wildcard test/fuzz/$*/seeds test/fuzz/$*/regressions) > $(FUZZ_BUILD)/$*.log 2>&1 || \
	  { tail -n 60 $(FUZZ_BUILD)/$*.log; echo "fuzz: $* found something, see $(FUZZ_BUILD)/$*.log"; exit 1; }
	@echo "fuzz: $* ran $(FUZZ_SECONDS)s: $$(grep -o 'stat::number_of_executed_units: [0-9]*' $(FUZZ_BUILD)/$*.log | grep -o '[0-9]*$$') inputs, no finding"

clean:
	rm -rf build

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
