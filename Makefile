# textclf — build, test, demo, bench, install.
#
#   make            build build/textclf
#   make MPI=1      build build-mpi/textclf with Open MPI: mpirun -n N build-mpi/textclf train ...
#   make demo       install missing Debian packages, build, train/eval/predict on data/demo.csv
#   make test       install missing Debian packages, check the layout (format-check), build,
#                   run every test (normal + ASan/UBSan,
#                   whose LeakSanitizer is the leak check), then every fuzz target for 60 s
#   make test-kernels  the unit + CLI suite once per OpenBLAS kernel set the CPU can run
#                   (Prescott, Sandybridge, Haswell, Zen, SkylakeX, Cooperlake), for developers
#   make fuzz       libFuzzer targets (tests/fuzz) under ASan+UBSan, FUZZ_SECONDS each (60)
#   make bench      benchmarks against fastText / PyTorch (slow; not part of test)
#   make format     rewrite the C sources with clang-format-14 and .clang-format
#   make format-check  list the C files clang-format would change; fails if any
#   make install    PREFIX=/usr/local: binary, man page, libtextclf.so.N + .a, textclf.h, textclf.pc
#
# libtextclf: every src/ object but main.o, compiled -fPIC, as a static
# archive (what the textclf binary and the tests link: textclf is linked
# statically against the very library that is installed) and as a shared
# library libtextclf.so.$(ABI) exporting only the public API of
# include/textclf.h (src/api/textclf.map).  ABI is TEXTCLF_ABI_VERSION.

PREFIX  ?= /usr/local
MPI     ?= 0
ifeq ($(MPI),1)
BUILD   ?= build-mpi
endif
BUILD   ?= build
SAN     ?= 0
PKGS    := yaml-0.1 libutf8proc openblas zlib jansson

CFLAGS_WARN := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror
ifeq ($(SAN),1)
CFLAGS_OPT  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_SAN := -fsanitize=address,undefined
else
CFLAGS_OPT  := -O2 -g
LDFLAGS_SAN :=
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lm -lpthread
CFLAGS_ALL = $(CFLAGS_WARN) $(CFLAGS_OPT) $(CFLAGS_MPI) -fPIC -Isrc -Iinclude $(PKG_CFLAGS) $(CFLAGS)
ABI      := $(shell sed -n 's/^\#define TEXTCLF_ABI_VERSION \([0-9]*\).*/\1/p' include/textclf.h)
VERSION  := $(shell sed -n 's/^\#define TC_VERSION "\(.*\)"/\1/p' src/version.h)
SONAME   := libtextclf.so.$(ABI)

LIB_SRC  := $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRC  := $(filter-out src/main.c,$(LIB_SRC))
# MPI=1: build-mpi/textclf, `mpirun -n N build-mpi/textclf train ...` (src/dist/mpi.h);
# the plain build neither compiles nor links any MPI.
ifeq ($(MPI),1)
CC         := mpicc
CFLAGS_MPI := -DTC_MPI
else
LIB_SRC  := $(filter-out src/dist/%,$(LIB_SRC))
CFLAGS_MPI :=
endif
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps demo test test-kernels check check-unit check-cli bench install clean fuzz fuzz-build format \
        format-check
all: $(BUILD)/textclf $(BUILD)/$(SONAME)

$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libtextclf.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/$(SONAME): $(LIB_OBJ) src/api/textclf.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/api/textclf.map $(LDFLAGS_SAN) $(LDFLAGS) \
	    -o $@ $(LIB_OBJ) $(PKG_LIBS)
	ln -sf $(SONAME) $(BUILD)/libtextclf.so

# The API examples (built against the shared library, as a user's program is).
$(BUILD)/examples/classify: examples/classify.c include/textclf.h $(BUILD)/$(SONAME)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_WARN) $(CFLAGS_OPT) -Iinclude -o $@ $< -L$(BUILD) -ltextclf -Wl,-rpath,'$$ORIGIN/..' \
	    $(LDFLAGS_SAN) $(LDFLAGS)

# textclf.pc, written by install for the PREFIX it installs to.
PC_TEXT = 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' 'Name: textclf' \
    'Description: text classifier library (embedding, LSTM/average-pool, dense, softmax/sigmoid)' \
    'Version: $(VERSION)' 'Libs: -L$${libdir} -ltextclf' 'Libs.private: $(PKG_LIBS)' \
    'Requires.private: $(PKGS)' 'Cflags: -I$${includedir}'

$(BUILD)/textclf: $(BUILD)/obj/src/main.o $(BUILD)/libtextclf.a
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libtextclf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags cmocka) -Itests -o $@ $< $(BUILD)/libtextclf.a \
	    $(LDFLAGS_SAN) $(LDFLAGS) $(shell pkg-config --libs cmocka) $(PKG_LIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Fuzzing: the library again, built by clang with libFuzzer's coverage
# instrumentation and ASan+UBSan, linked into one binary per tests/fuzz/fuzz_*.c.
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -O1 -g -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=all -Isrc -Iinclude
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_OBJ     := $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/libtextclf.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libtextclf.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -MMD -MP -MF $@.d -o $@ $< \
	    $(FUZZ_BUILD)/libtextclf.a $(PKG_LIBS)

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

deps:
	@sh scripts/install-deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BUILD)/textclf

# The test suite: unit tests and CLI tests, once with -O2 and once under
# AddressSanitizer + UndefinedBehaviorSanitizer.
test: deps
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory check BUILD=build
	@$(MAKE) --no-print-directory check BUILD=build-asan SAN=1
	@$(MAKE) --no-print-directory fuzz BUILD=build

# tests/cli/test_mpi.sh also needs the MPI build: always build-mpi/textclf,
# without sanitizers (LeakSanitizer would report Open MPI's own allocations).
check: $(BUILD)/textclf $(TEST_BIN) $(BUILD)/$(SONAME) $(BUILD)/examples/classify
	@$(MAKE) --no-print-directory MPI=1 BUILD=build-mpi SAN=0 build-mpi/textclf
	@TEXTCLF_MPI=$(CURDIR)/build-mpi/textclf sh tests/run.sh $(BUILD)

# Not part of make test (which runs with the environment as it finds it):
# forces each OpenBLAS kernel set in turn, for developers before they submit.
test-kernels: deps
	@$(MAKE) --no-print-directory $(BUILD)/textclf $(TEST_BIN)
	@sh scripts/test-kernels.sh $(BUILD)

# Each fuzz target for FUZZ_SECONDS under ASan+UBSan (several at once on
# several cores); fails on any crash, leak, sanitizer report or hang.
fuzz: deps
	@$(MAKE) --no-print-directory all fuzz-build
	@sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(BUILD)/textclf

fuzz-build: $(FUZZ_BIN)

# The house layout (.clang-format, clang-format 14): format rewrites the
# tracked C files in place, format-check only names the ones that differ.
format:
	@sh scripts/format.sh

format-check:
	@sh scripts/format.sh --check

bench: deps all
	@sh scripts/bench.sh $(BENCH_ARGS)

install: $(BUILD)/textclf $(BUILD)/$(SONAME) $(BUILD)/libtextclf.a
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/textclf $(DESTDIR)$(PREFIX)/bin/textclf
	install -m 644 man/textclf.1 $(DESTDIR)$(PREFIX)/share/man/man1/textclf.1
	install -m 755 $(BUILD)/$(SONAME) $(DESTDIR)$(PREFIX)/lib/$(SONAME).0.0
	ln -sf $(SONAME).0.0 $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libtextclf.so
	install -m 644 $(BUILD)/libtextclf.a $(DESTDIR)$(PREFIX)/lib/libtextclf.a
	install -m 644 include/textclf.h $(DESTDIR)$(PREFIX)/include/textclf.h
	printf '%s\n' $(PC_TEXT) >$(DESTDIR)$(PREFIX)/lib/pkgconfig/textclf.pc

clean:
	rm -rf build build-asan build-mpi $(FUZZ_BUILD)
