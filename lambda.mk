# lambda.mk: AWS Lambda functions in C++ with lambda-ric-cpp, from your own Makefile.
#
#   include lambda-ric-cpp/lambda.mk                   # wherever the library is: submodule or copy
#   $(eval $(call lambda_function,hello,main.cpp))     # one line per function: name, sources
#
#   make                  every function's static bootstrap: build/hello/bootstrap
#   make hello            one of them
#   make package          every function's zip: build/hello.zip, a stripped bootstrap at its root
#   make lambda-emulator  the local emulator, build/lambda-emulator
#
# The library is compiled once into the build folder (as C++20, with its private headers);
# your sources see only its include/ and are C++17 unless LAMBDA_STD says otherwise. Set these
# before the include line or on the command line:
#   ARCH=arm64            cross-build with aarch64-linux-gnu-g++ into build/arm64 (any other
#                         architecture than this machine's gets <arch>-linux-gnu- tools and build/<arch>)
#   BUILD, CXX, AR, STRIP  the build folder and tools, following ARCH unless set
#   OPT (-O2), STATIC (1: static bootstraps), LAMBDA_STD (c++17), CPPFLAGS, CXXFLAGS, LDFLAGS, LDLIBS
#
# To run a function here, $(LAMBDA_EMULATOR) is this machine's emulator and $(LAMBDA_EXEC) what
# runs a bootstrap of ARCH on it (qemu-aarch64-static for arm64 on x86-64, else nothing):
#   $(LAMBDA_EMULATOR) --events events.jsonl -- $(LAMBDA_EXEC) $(BUILD)/hello/bootstrap

LAMBDA_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

LAMBDA_HOST_ARCH := $(patsubst aarch64,arm64,$(shell uname -m))
ARCH             ?= $(LAMBDA_HOST_ARCH)
LAMBDA_GNU_ARCH  := $(patsubst arm64,aarch64,$(ARCH))
LAMBDA_CROSS     := $(if $(filter-out $(LAMBDA_HOST_ARCH),$(ARCH)),$(LAMBDA_GNU_ARCH)-linux-gnu-)
ifeq ($(origin CXX),default)
CXX := $(LAMBDA_CROSS)g++
endif
ifeq ($(origin AR),default)
AR := $(LAMBDA_CROSS)ar
endif
STRIP      ?= $(LAMBDA_CROSS)strip
BUILD      ?= build$(if $(LAMBDA_CROSS),/$(ARCH))
OPT        ?= -O2
STATIC     ?= 1
LAMBDA_STD ?= c++17

LAMBDA_WARNINGS := -Wall -Wextra -Wpedantic
# Flags for every compile and link (the project's own Makefile puts sanitizers here).
LAMBDA_FLAGS    :=
LAMBDA_CXXFLAGS  = $(OPT) -g $(LAMBDA_WARNINGS) -ffunction-sections -fdata-sections -MMD -MP $(LAMBDA_FLAGS)
LAMBDA_LDFLAGS   = -pthread -Wl,--gc-sections $(LAMBDA_FLAGS)
LAMBDA_STATIC    = $(if $(filter 1,$(STATIC)),-static)
# Only the library's own files (src/, tools/) see its private headers.
LAMBDA_LIB_CPPFLAGS := -I$(LAMBDA_DIR)/include -I$(LAMBDA_DIR)/src

LAMBDA_OBJ      := $(BUILD)/lambda-ric-cpp
LAMBDA_LIB_SRCS := $(wildcard $(LAMBDA_DIR)/src/*/*.cpp)
LAMBDA_EMU_SRCS := $(wildcard $(LAMBDA_DIR)/tools/emulator/*.cpp)
LAMBDA_LIB      := $(BUILD)/liblambda.a

# Objects of files in the library's tree, and of the user's own files.
lambda_lib_objs = $(patsubst $(LAMBDA_DIR)/%.cpp,$(LAMBDA_OBJ)/%.o,$(1))
lambda_objs     = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(1))

.PHONY: all package lambda-emulator
.DELETE_ON_ERROR:
# Filled by lambda_function; first, so that `make` builds every function unless the including
# Makefile named its own first target.
all:
package:

$(LAMBDA_OBJ)/%.o: $(LAMBDA_DIR)/%.cpp
	@mkdir -p $(@D)
	$(CXX) -std=c++20 $(LAMBDA_LIB_CPPFLAGS) $(CPPFLAGS) $(LAMBDA_CXXFLAGS) $(CXXFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) -std=$(LAMBDA_STD) -I$(LAMBDA_DIR)/include $(CPPFLAGS) $(LAMBDA_CXXFLAGS) $(CXXFLAGS) -c $< -o $@

$(LAMBDA_LIB): $(call lambda_lib_objs,$(LAMBDA_LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

lambda-emulator: $(BUILD)/lambda-emulator
$(BUILD)/lambda-emulator: $(call lambda_lib_objs,$(LAMBDA_EMU_SRCS)) $(LAMBDA_LIB)
	$(CXX) $^ $(LAMBDA_LDFLAGS) $(LDFLAGS) -o $@

# The emulator that runs here: for another ARCH, this machine's own, made by a make of its own
# into build/ (its library compiled for this machine), running the bootstrap under qemu.
ifeq ($(LAMBDA_CROSS),)
LAMBDA_EMULATOR := $(BUILD)/lambda-emulator
LAMBDA_EXEC     :=
else
LAMBDA_EMULATOR := build/lambda-emulator
LAMBDA_EXEC     := qemu-$(LAMBDA_GNU_ARCH)-static
.PHONY: $(LAMBDA_EMULATOR)
$(LAMBDA_EMULATOR):
	$(MAKE) --no-print-directory ARCH=$(LAMBDA_HOST_ARCH) BUILD=build $@
endif

# $(call lambda_link,BOOTSTRAP,OBJECTS): a bootstrap linked with the library.
define lambda_link
$(1): $(2) $(LAMBDA_LIB)
	@mkdir -p $$(@D)
	$$(CXX) $$^ $$(LAMBDA_LDFLAGS) $$(LAMBDA_STATIC) $$(LDFLAGS) $$(LDLIBS) -o $$@
endef

# $(call lambda_zip,ZIP,BOOTSTRAP): the bootstrap stripped at the zip's root, the same bytes
# every time (tools/package.sh).
define lambda_zip
$(1): $(2) $(LAMBDA_DIR)/tools/package.sh
	STRIP='$$(STRIP)' $(LAMBDA_DIR)/tools/package.sh $$< $$@
endef

# $(eval $(call lambda_function,NAME,SOURCES)): $(BUILD)/NAME/bootstrap and $(BUILD)/NAME.zip;
# `make NAME` builds the bootstrap.
define lambda_function
$(call lambda_link,$(BUILD)/$(1)/bootstrap,$(call lambda_objs,$(2)))
$(call lambda_zip,$(BUILD)/$(1).zip,$(BUILD)/$(1)/bootstrap)
.PHONY: $(1)
$(1): $(BUILD)/$(1)/bootstrap
all: $(BUILD)/$(1)/bootstrap
package: $(BUILD)/$(1).zip
endef

-include $(shell find $(BUILD)/obj $(LAMBDA_OBJ) -name '*.d' 2>/dev/null)
