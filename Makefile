# pgmigrate: PGXS build.  `make`, `make install`, `make installcheck`.

EXTENSION   = pgmigrate
EXTVERSION  = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big  = pgmigrate
OBJS        = $(patsubst %.c,%.o,$(wildcard src/*.c src/online/*.c src/schema/*.c src/schema/describe/*.c common/*.c))
DATA        = $(wildcard sql/$(EXTENSION)--*.sql)

REGRESS     = add graph apply rollback stamp inspect failure bad_input catalog guard guard_placeholder secrets derive derive_here repair lint verify records records_whole schema_part diff diff_documents diff_grants diff_types diff_inherit diff_virtual diff_temporal diff_notnull18 outside session hostile online online_keys online_views
REGRESS_OPTS = --inputdir=.

PG_CPPFLAGS = -I$(srcdir)/src -I$(srcdir)/common -DPGM_VERSION='"$(EXTVERSION)"'
# Warnings are errors in CI (scripts/test.sh runs make COPT=-Werror), not here:
# a newer compiler's new warning must not stop a user's build.
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

EXTRA_CLEAN = .built-for

PG_CONFIG  ?= pg_config
PGXS       := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Objects built against another PostgreSQL (another PG_CONFIG) are built
# again: .built-for holds that server's version and place, and is written
# only when they change.
BUILT_FOR  := $(shell $(PG_CONFIG) --version) $(shell $(PG_CONFIG) --bindir)
.built-for: FORCE
	@echo '$(BUILT_FOR)' | cmp -s - $@ || echo '$(BUILT_FOR)' >$@
$(OBJS) $(OBJS:.o=.bc): .built-for
.PHONY: FORCE

# Every object depends on the headers (PGXS tracks no header dependencies):
# a changed struct must never leave a stale object behind.
$(OBJS): $(wildcard src/*.h src/online/*.h src/schema/*.h src/schema/describe/*.h common/*.h)

# The client program lives in client/ with a PGXS Makefile of its own.
all: client-all
install: client-install
clean: client-clean

client-all:
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG)
client-install:
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG) install
client-clean:
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG) clean

.PHONY: client-all client-install client-clean
