/*
 * pgmigrate.c — the pgmigrate client: migrations as files in git, deployed
 * through the extension.  Options, commands, and what each one calls.
 *
 *   new NAME, push [DIR], apply [TARGET], rollback [TARGET], up [TARGET],
 *   stamp TARGET, repair ID --down FILE               (deploy.c)
 *   adopt --from TOOL [DIR]                           (adopt.c)
 *   import alembic UPGRADE.sql [DOWNGRADE.sql]        (alembic.c)
 *   status, plan [TARGET], verify, drift, log [N], test [TARGET],
 *   lint [FILES|DIR], graph                           (report.c)
 *   diff NAME --to FILE | --to-db DB | --models M:A, check ...  (generate.c, models.c)
 *   --targets FILE COMMAND ...: the command against many databases (fleet.c)
 *
 * All bookkeeping is the extension's: this program only reads files, sends
 * SQL and runs non-transactional revisions statement by statement, as
 * migrate.begin_outside_transaction() tells it.
 *
 * Exit status: 0 success; 1 a failed migration, check, lint error, verify
 * problem or connection; 2 a usage error.  The last line on stderr is the
 * one-line reason.
 *
 * Calls fleet.c, report.c, adopt.c, alembic.c, generate.c, deploy.c, online.c, session.c
 * and files.c.
 */
#include "postgres_fe.h"

#include "getopt_long.h"

#include "client.h"
#include "files.h"
#include "revisions.h"

static void
help(void)
{
	printf("pgmigrate keeps PostgreSQL schema migrations as files and deploys them\n"
		   "through the pgmigrate extension.\n\n"
		   "Usage:\n"
		   "  pgmigrate [OPTION]... COMMAND [ARGUMENT]\n\n"
		   "Commands that change a database:\n"
		   "  new NAME            write a new migration file\n"
		   "  push [DIR]          register every file of DIR\n"
		   "  apply [TARGET]      apply pending revisions (default head)\n"
		   "  rollback [TARGET]   roll back (default -1)\n"
		   "  up [TARGET]         push, then apply: the one-line deploy\n"
		   "  stamp TARGET        record revisions as applied without running them\n"
		   "  repair ID --down FILE  replace the down SQL of an applied revision\n"
		   "  adopt --from TOOL [DIR]  register DIR and stamp what TOOL's own table says it applied\n"
		   "  import alembic UPGRADE.sql [DOWNGRADE.sql]  Alembic's offline SQL as migration files\n"
		   "  start ID            online revision: the new shape beside the old, a schema per version\n"
		   "  backfill ID         online revision: fill the new shape in batches (resumable)\n"
		   "  complete ID         online revision: drop the old shape (--force: even while in use)\n"
		   "  abort ID            online revision: throw the new shape away\n"
		   "  diff NAME --to FILE.sql | --to-db CONNINFO | --models MODULE:ATTRIBUTE\n"
		   "                      write a revision that turns the live schema into the desired\n"
		   "                      one (and back), proven on a scratch database first\n\n"
		   "Commands that look:\n"
		   "  status              every revision and whether it is applied\n"
		   "  plan [TARGET]       what apply (or rollback, with --down) would run\n"
		   "  verify              checksums, the applied graph, files against the database\n"
		   "  drift               schema changes made outside migrations\n"
		   "  log [N]             the history (the last N entries): who, when, how long\n"
		   "  test [TARGET]       round-trip every pending revision (up, down, up)\n"
		   "  lint [FILES|DIR]    the lint rules on migration files, before push\n"
		   "  graph               the revision graph as Graphviz DOT\n"
		   "  check --to FILE.sql | --to-db CONNINFO | --models MODULE:ATTRIBUTE\n"
		   "                      exit 1 (with the differences) unless the live schema is the desired one\n\n"
		   "Options:\n"
		   "  -d, --dbname=CONNINFO   database to connect to (default: PGHOST, PGDATABASE, ...)\n"
		   "      --dir=DIR           migrations directory (default: $PGMIGRATE_DIR or migrations)\n"
		   "      --parent=ID         parent of the new revision (repeat for a merge; new)\n"
		   "      --dry-run           show what push would register, register nothing\n"
		   "      --allow-data-loss   let rollback drop tables and columns holding data\n"
		   "      --allow-destructive push: approve the destructive statements of every file,\n"
		   "                          once (logged in migrate.log per revision it covered)\n"
		   "      --down              plan a rollback instead of an apply\n"
		   "      --strict            lint: warnings fail too\n"
		   "      --format=FORMAT     the migrations' layout: pgmigrate, dbmate, golang-migrate,\n"
		   "                          diesel or flyway (default: detected); graph: dot or svg\n"
		   "      --json              machine-readable output on stdout\n"
		   "      --to=FILE.sql       diff, check: the desired schema as SQL (loaded into a scratch database)\n"
		   "      --to-db=CONNINFO    diff, check: a database that holds the desired schema\n"
		   "      --models=MODULE:ATTRIBUTE\n"
		   "                          diff, check: the desired schema from SQLAlchemy or SQLModel\n"
		   "                          models (a MetaData, or anything with .metadata), created\n"
		   "                          in the scratch database\n"
		   "      --python=PYTHON     diff, check: the Python that imports the models (default python3)\n"
		   "      --dev-db=CONNINFO   diff, check: the scratch database (default: a temporary one on\n"
		   "                          the live server, dropped at exit)\n"
		   "      --rename=S.T.C=NEW  diff: a column (S.T=NEW: a table) renamed, not dropped and added\n"
		   "      --default=S.T.C=EXPR  diff: the value of a column made NOT NULL for the rows it\n"
		   "                          finds there (the up adds it nullable, fills it, sets NOT NULL)\n"
		   "      --include-tool-tables  diff, check: compare other tools' bookkeeping tables too\n"
		   "                          (alembic_version, schema_migrations, ...; left out by default)\n"
		   "      --drop-extensions   diff, check: drop extensions the desired schema does not have\n"
		   "                          (kept and noted by default)\n"
		   "      --force             complete: even while sessions use the old version's schema\n"
		   "      --targets=FILE      run the command against every database in FILE\n"
		   "  -j, --jobs=N            with --targets: N databases at a time (default 1)\n"
		   "      --canary=K          with --targets: the first K first, and stop if one fails\n"
		   "      --keep-going        with --targets: go on after a database fails\n"
		   "  -V, --version           print the version and exit\n"
		   "  -?, --help              print this help and exit\n\n"
		   "Exit status: 0 on success; 1 when a migration, a check, lint, verify or the\n"
		   "connection failed; 2 on a usage error.\n");
}

static const char *const commands[] = {
	"new", "push", "apply", "rollback", "up", "stamp", "repair", "adopt", "import",
	"start", "backfill", "complete", "abort",
	"status", "plan", "verify", "drift", "log", "test", "lint", "graph", "diff", "check", NULL
};

static bool
is_command(const char *name)
{
	int			i;

	for (i = 0; commands[i]; i++)
		if (strcmp(commands[i], name) == 0)
			return true;
	return false;
}

static int
positive_number(const char *value, const char *option)
{
	char	   *end;
	long		n = strtol(value, &end, 10);

	if (*value == '\0' || *end != '\0' || n < 1 || n > 10000)
		usage_error("%s needs a number from 1 to 10000, not \"%s\"", option, value);
	return (int) n;
}

/* In a child of a fleet run: how many revisions this run applied or rolled back. */
static void
write_summary(void)
{
	FILE	   *f = fopen(getenv("PGMIGRATE_SUMMARY"), "w");

	if (f)
	{
		fprintf(f, "revisions %d\n", revisions_done);
		fclose(f);
	}
}

/* Run one command against the one database; returns the exit status. */
static int
run_command(const char *command, const char *arg, int nargs, const char *const *args)
{
	if (strcmp(command, "new") == 0)
	{
		if (arg == NULL)
			usage_error("new needs a NAME");
		cmd_new(arg);
	}
	else if (strcmp(command, "push") == 0)
	{
		if (arg)
			opts.dir = arg;
		cmd_push();
	}
	else if (strcmp(command, "apply") == 0)
		cmd_migrate(arg ? arg : "head", true);
	else if (strcmp(command, "rollback") == 0)
		cmd_migrate(arg ? arg : "-1", false);
	else if (strcmp(command, "up") == 0)
	{
		/* the one-line deploy, both in the same session; with --json one object */
		if (opts.json)
			printf("{\"push\": ");
		cmd_push();
		if (opts.json)
			printf(", \"apply\": ");
		cmd_migrate(arg ? arg : "head", true);
		if (opts.json)
			printf("}\n");
	}
	else if (strcmp(command, "stamp") == 0)
	{
		if (arg == NULL)
			usage_error("stamp needs a TARGET (a revision id, head, heads or base)");
		cmd_stamp(arg);
	}
	else if (strcmp(command, "import") == 0)
	{
		if (arg == NULL || strcmp(arg, "alembic") != 0 || nargs < 2)
			usage_error("import alembic UPGRADE.sql [DOWNGRADE.sql]: the output of alembic upgrade base:head --sql "
						"(and of alembic downgrade head:base --sql)");
		cmd_import_alembic(args[1], nargs > 2 ? args[2] : NULL);
	}
	else if (strcmp(command, "adopt") == 0)
	{
		if (opts.from == NULL)
			usage_error("adopt needs --from TOOL (dbmate, golang-migrate, diesel, flyway or alembic)");
		if (arg)
			opts.dir = arg;
		cmd_adopt(opts.from);
	}
	else if (strcmp(command, "repair") == 0)
	{
		/* "--down FILE": --down is a flag elsewhere (plan), so FILE comes as an argument */
		if (arg == NULL || !opts.down || nargs != 2)
			usage_error("repair needs a revision and a file: repair ID --down FILE");
		cmd_repair(arg, args[1]);
	}
	else if (strcmp(command, "start") == 0 || strcmp(command, "backfill") == 0 ||
			 strcmp(command, "complete") == 0 || strcmp(command, "abort") == 0)
	{
		if (arg == NULL || nargs != 1)
			usage_error("%s needs the id of one online revision", command);
		cmd_online(command, arg);
	}
	else if (strcmp(command, "lint") == 0)
		return cmd_lint(nargs, args);
	else if (strcmp(command, "diff") == 0)
	{
		if (arg == NULL)
			usage_error("diff needs a NAME for the new revision");
		return cmd_diff(arg);
	}
	else if (strcmp(command, "check") == 0)
	{
		if (arg)
			usage_error("check takes no argument");
		return cmd_check();
	}
	else if (arg && (strcmp(command, "status") == 0 || strcmp(command, "verify") == 0 ||
					 strcmp(command, "drift") == 0 || strcmp(command, "graph") == 0))
		usage_error("%s takes no argument", command);
	else if (strcmp(command, "status") == 0)
		return cmd_status();
	else if (strcmp(command, "plan") == 0)
		return cmd_plan(arg);
	else if (strcmp(command, "verify") == 0)
		return cmd_verify();
	else if (strcmp(command, "drift") == 0)
		return cmd_drift();
	else if (strcmp(command, "log") == 0)
		return cmd_log(arg);
	else if (strcmp(command, "test") == 0)
		return cmd_test(arg);
	else if (strcmp(command, "graph") == 0)
		return cmd_graph();
	return 0;
}

/* "-3" and "+2" are targets, not options. */
static bool
is_relative_target(const char *arg)
{
	if (arg[0] != '-' && arg[0] != '+')
		return false;
	for (arg++; *arg; arg++)
		if (*arg < '0' || *arg > '9')
			return false;
	return true;
}

/* Long options without a short form: values above any character. */
enum
{
	OPT_DIR = 256,
	OPT_PARENT,
	OPT_DRY_RUN,
	OPT_ALLOW_DATA_LOSS,
	OPT_ALLOW_DESTRUCTIVE,
	OPT_FROM,
	OPT_DOWN,
	OPT_JSON,
	OPT_STRICT,
	OPT_FORMAT,
	OPT_TARGETS,
	OPT_CANARY,
	OPT_KEEP_GOING,
	OPT_TO,
	OPT_TO_DB,
	OPT_DEV_DB,
	OPT_RENAME,
	OPT_FORCE,
	OPT_MODELS,
	OPT_PYTHON,
	OPT_INCLUDE_TOOL_TABLES,
	OPT_DROP_EXTENSIONS,
	OPT_DEFAULT
};

/* A leading ":" makes getopt_long return ':' for a missing value. */
static const char short_options[] = ":d:j:hV";

static const struct option long_options[] = {
	{"dbname", required_argument, NULL, 'd'},
	{"dir", required_argument, NULL, OPT_DIR},
	{"parent", required_argument, NULL, OPT_PARENT},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"allow-data-loss", no_argument, NULL, OPT_ALLOW_DATA_LOSS},
	{"allow-destructive", no_argument, NULL, OPT_ALLOW_DESTRUCTIVE},
	{"from", required_argument, NULL, OPT_FROM},
	{"down", no_argument, NULL, OPT_DOWN},
	{"json", no_argument, NULL, OPT_JSON},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"targets", required_argument, NULL, OPT_TARGETS},
	{"jobs", required_argument, NULL, 'j'},
	{"canary", required_argument, NULL, OPT_CANARY},
	{"keep-going", no_argument, NULL, OPT_KEEP_GOING},
	{"to", required_argument, NULL, OPT_TO},
	{"to-db", required_argument, NULL, OPT_TO_DB},
	{"dev-db", required_argument, NULL, OPT_DEV_DB},
	{"rename", required_argument, NULL, OPT_RENAME},
	{"models", required_argument, NULL, OPT_MODELS},
	{"python", required_argument, NULL, OPT_PYTHON},
	{"include-tool-tables", no_argument, NULL, OPT_INCLUDE_TOOL_TABLES},
	{"drop-extensions", no_argument, NULL, OPT_DROP_EXTENSIONS},
	{"default", required_argument, NULL, OPT_DEFAULT},
	{"force", no_argument, NULL, OPT_FORCE},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0}
};

/*
 * Is `arg` an option whose value is the next argument ("-d", "--dir", but
 * not "-dVALUE" or "--dir=VALUE")?
 */
static bool
value_follows(const char *arg)
{
	int			i;

	if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0')
	{
		const char *spec = strchr(short_options + 1, arg[1]);

		return arg[2] == '\0' && spec != NULL && spec[1] == ':';
	}
	if (strncmp(arg, "--", 2) != 0 || strchr(arg, '=') != NULL)
		return false;
	for (i = 0; long_options[i].name; i++)
		if (strcmp(arg + 2, long_options[i].name) == 0)
			return long_options[i].has_arg == required_argument;
	return false;
}

/*
 * What each database of a fleet run gets: the options as given, but for
 * the fleet's own (and --json, which is the summary's), then the command
 * and its arguments after "--".
 */
static char **
fleet_arguments(char **options, int noptions, const char **positional, int npositional, int *nargs)
{
	char	  **args = pg_malloc0(sizeof(char *) * (noptions + npositional + 2));
	int			n = 0;
	int			i;

	for (i = 0; i < noptions; i++)
	{
		const char *o = options[i];
		bool		takes_value = value_follows(o);

		if (strncmp(o, "--targets", 9) == 0 || strncmp(o, "--jobs", 6) == 0 ||
			strncmp(o, "-j", 2) == 0 || strncmp(o, "--canary", 8) == 0 ||
			strcmp(o, "--keep-going") == 0 || strcmp(o, "--json") == 0)
		{
			if (takes_value)
				i++;
			continue;
		}
		args[n++] = options[i];
		if (takes_value && i + 1 < noptions)
			args[n++] = options[++i];
	}
	args[n++] = "--";
	for (i = 0; i < npositional; i++)
		args[n++] = (char *) positional[i];
	args[n] = NULL;
	*nargs = n;
	return args;
}

int
main(int argc, char **argv)
{
	const char **positional = pg_malloc0(sizeof(char *) * (argc + 1));	/* a command and its arguments */
	int			npositional = 0;
	char	  **options = pg_malloc(sizeof(char *) * (argc + 1));
	int			noptions = 0;
	const char *command;
	const char *arg;
	int			max_arguments;
	int			status;
	int			c;
	int			i;

	/*
	 * Options may come before and after the command.  Split them from the
	 * arguments first, so that getopt_long sees only options and their
	 * values, whatever its platform's way of ordering: a relative target
	 * ("-1") is an argument, not an option, and after "--" everything is.
	 */
	options[noptions++] = argv[0];
	for (i = 1; i < argc; i++)
	{
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
		{
			for (i++; i < argc; i++)
			{
				positional[npositional++] = argv[i];
			}
			break;
		}
		if (a[0] == '-' && a[1] != '\0' && !is_relative_target(a))
		{
			options[noptions++] = argv[i];
			if (value_follows(a) && i + 1 < argc)
				options[noptions++] = argv[++i];
			continue;
		}
		positional[npositional++] = a;
	}
	options[noptions] = NULL;

	opts.dir = getenv("PGMIGRATE_DIR") ? getenv("PGMIGRATE_DIR") : "migrations";
	opterr = 0;					/* the messages below are ours */
	while ((c = getopt_long(noptions, options, short_options, long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				opts.conninfo = optarg;
				break;
			case OPT_DIR:
				opts.dir = optarg;
				break;
			case OPT_PARENT:
				if (!valid_revision_id(optarg))
					usage_error("invalid revision id \"%s\" for --parent (" PGM_ID_RULE ")", optarg);
				if (opts.nparents == lengthof(opts.parents))
					usage_error("too many --parent options");
				opts.parents[opts.nparents++] = optarg;
				break;
			case OPT_DRY_RUN:
				opts.dry_run = true;
				break;
			case OPT_ALLOW_DATA_LOSS:
				opts.allow_data_loss = true;
				break;
			case OPT_ALLOW_DESTRUCTIVE:
				opts.allow_destructive = true;
				break;
			case OPT_FROM:
				opts.from = optarg;
				break;
			case OPT_DOWN:
				opts.down = true;
				break;
			case OPT_JSON:
				opts.json = true;
				break;
			case OPT_STRICT:
				opts.strict = true;
				break;
			case OPT_FORMAT:
				opts.format = optarg;
				break;
			case OPT_TARGETS:
				opts.targets = optarg;
				break;
			case 'j':
				opts.jobs = positive_number(optarg, "--jobs");
				break;
			case OPT_CANARY:
				opts.canary = positive_number(optarg, "--canary");
				break;
			case OPT_KEEP_GOING:
				opts.keep_going = true;
				break;
			case OPT_TO:
				opts.to_file = optarg;
				break;
			case OPT_TO_DB:
				opts.to_db = optarg;
				break;
			case OPT_DEV_DB:
				opts.dev_db = optarg;
				break;
			case OPT_RENAME:
				if (opts.nrenames == lengthof(opts.renames))
					usage_error("too many --rename options");
				opts.renames[opts.nrenames++] = optarg;
				break;
			case OPT_FORCE:
				opts.force = true;
				break;
			case OPT_MODELS:
				opts.models = optarg;
				break;
			case OPT_PYTHON:
				opts.python = optarg;
				break;
			case OPT_INCLUDE_TOOL_TABLES:
				opts.include_tool_tables = true;
				break;
			case OPT_DROP_EXTENSIONS:
				opts.drop_extensions = true;
				break;
			case OPT_DEFAULT:
				if (opts.ndefaults == lengthof(opts.defaults))
					usage_error("too many --default options");
				opts.defaults[opts.ndefaults++] = optarg;
				break;
			case 'h':
				help();
				return 0;
			case 'V':
				printf("pgmigrate %s\n", PGM_VERSION);
				return 0;
			case ':':
				usage_error("option \"%s\" needs a value", options[optind - 1]);
				break;
			default:
				/* -? asks for help, as in PostgreSQL's own programs */
				if (optopt == '?')
				{
					help();
					return 0;
				}
				usage_error("unknown option \"%s\"", options[optind - 1]);
		}
	}
	if (npositional == 0)
		usage_error("no command given");
	command = positional[0];
	arg = positional[1];
	/* lint takes any number of files, repair and import up to three; the others one at most */
	max_arguments = strcmp(command, "lint") == 0 ? argc :
		strcmp(command, "repair") == 0 || strcmp(command, "import") == 0 ? 3 : 1;
	if (npositional - 1 > max_arguments)
		usage_error("too many arguments, starting with \"%s\"", positional[max_arguments + 1]);
	if (!is_command(command))
		usage_error("unknown command \"%s\"", command);
	if (opts.jobs == 0)
		opts.jobs = 1;
	/* --format is graph's drawing, and for the others the directory's layout */
	if (opts.format && strcmp(command, "graph") != 0 && !layout_from_name(opts.format, &opts.layout))
		usage_error("unknown --format \"%s\" (pgmigrate, dbmate, golang-migrate, diesel or flyway)", opts.format);
	if ((opts.jobs > 1 || opts.canary > 0 || opts.keep_going) && opts.targets == NULL)
		usage_error("-j, --canary and --keep-going go with --targets");
	if (opts.targets)
	{
		if (opts.conninfo)
			usage_error("--targets and -d do not go together: the targets file names the databases");
		if (strcmp(command, "new") == 0 || strcmp(command, "lint") == 0 || strcmp(command, "graph") == 0 ||
			strcmp(command, "import") == 0 || strcmp(command, "diff") == 0)
			usage_error("%s does not run against a fleet", command);
		{
			int			nargs;
			char	  **args = fleet_arguments(options + 1, noptions - 1, positional, npositional, &nargs);

			return run_fleet(argv[0], nargs, args);
		}
	}
	if (getenv("PGMIGRATE_SUMMARY"))
		atexit(write_summary);

	status = run_command(command, arg, npositional - 1, positional + 1);
	if (conn)
		PQfinish(conn);
	return status;
}

