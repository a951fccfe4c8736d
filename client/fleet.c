/*
 * fleet.c — one command against many databases: pgmigrate --targets FILE.
 *
 * FILE has one connection string (or database name) per line; blank lines
 * and lines starting with # are skipped.  Each database gets the command
 * exactly as a single run would give it, in a child process of this same
 * program (so each keeps its own all-or-nothing apply), with -j N children
 * at a time.  --canary K runs the first K databases first and stops there
 * when one of them fails; without --keep-going, no database is started
 * after the first failure (those running finish).  A progress line per
 * database as it finishes goes to stderr; the summary (database, revisions
 * applied or rolled back, duration, outcome) to stdout, as a table or with
 * --json.  Exit status 1 when any database failed or was not run.
 *
 * Calls session.c.
 */
#include "postgres_fe.h"

#include <sys/wait.h>
#include <unistd.h>

#include "client.h"

typedef enum TargetState
{
	TARGET_WAITING,
	TARGET_RUNNING,
	TARGET_OK,
	TARGET_FAILED,
	TARGET_NOT_RUN
} TargetState;

typedef struct Target
{
	char	   *conninfo;
	char	   *label;			/* what the summary shows: no password */
	TargetState state;
	pid_t		pid;
	double		started;
	double		ms;
	int			revisions;		/* -1 when not known */
	char	   *reason;			/* the child's last line on stderr */
} Target;

static char *work_dir;

/* A name for a target without its password: dbname, and @host:port when given. */
static char *
target_label(const char *conninfo)
{
	PQconninfoOption *options;
	PQconninfoOption *o;
	const char *dbname = NULL;
	const char *host = NULL;
	const char *port = NULL;
	char	   *label;

	if (strchr(conninfo, '=') == NULL && strstr(conninfo, "://") == NULL)
		return pg_strdup(conninfo);
	if ((options = PQconninfoParse(conninfo, NULL)) == NULL)
		return pg_strdup("(unreadable connection string)");
	for (o = options; o->keyword; o++)
	{
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "dbname") == 0)
			dbname = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	label = psprintf("%s%s%s%s%s", dbname ? dbname : "(default database)",
					 host ? "@" : "", host ? host : "", port ? ":" : "", port ? port : "");
	PQconninfoFree(options);
	return label;
}

static int
read_targets(const char *path, Target **targets)
{
	FILE	   *f = fopen(path, "r");
	char		line[8192];
	int			n = 0;
	int			cap = 16;

	if (f == NULL)
		failed("could not read the targets file \"%s\": %s", path, strerror(errno));
	*targets = pg_malloc0(sizeof(Target) * cap);
	while (fgets(line, sizeof(line), f))
	{
		char	   *s = line;
		char	   *end;

		while (*s == ' ' || *s == '\t')
			s++;
		end = s + strlen(s);
		while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (n == cap)
		{
			cap *= 2;
			*targets = pg_realloc(*targets, sizeof(Target) * cap);
		}
		memset(&(*targets)[n], 0, sizeof(Target));
		(*targets)[n].conninfo = pg_strdup(s);
		(*targets)[n].label = target_label(s);
		(*targets)[n].revisions = -1;
		n++;
	}
	fclose(f);
	if (n == 0)
		failed("the targets file \"%s\" names no database", path);
	return n;
}

static char *
child_file(int i, const char *what)
{
	return psprintf("%s/%d.%s", work_dir, i, what);
}

/* Start target i: this program, with -d and the command, output to files. */
static void
start(Target *t, int i, const char *self, int nargs, char **args)
{
	char	  **argv = pg_malloc(sizeof(char *) * (nargs + 4));
	int			k;
	pid_t		pid;

	argv[0] = (char *) self;
	argv[1] = "-d";
	argv[2] = t->conninfo;
	for (k = 0; k < nargs; k++)
		argv[3 + k] = args[k];
	argv[3 + nargs] = NULL;
	fflush(NULL);
	t->started = now_ms();
	if ((pid = fork()) < 0)
		failed("could not start a process for %s: %s", t->label, strerror(errno));
	if (pid == 0)
	{
		if (freopen(child_file(i, "out"), "w", stdout) == NULL ||
			freopen(child_file(i, "err"), "w", stderr) == NULL)
			_exit(EXIT_FAILED);
		setenv("PGMIGRATE_SUMMARY", child_file(i, "sum"), 1);
		execvp(self, argv);
		fprintf(stderr, "pgmigrate: could not run \"%s\": %s\n", self, strerror(errno));
		_exit(EXIT_FAILED);
	}
	t->pid = pid;
	t->state = TARGET_RUNNING;
	free(argv);
}

/* The last non-empty line of a file, for the one-line reason. */
static char *
last_line(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	char	   *last = NULL;

	if (f == NULL)
		return pg_strdup("(no output)");
	while (fgets(line, sizeof(line), f))
	{
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
		{
			free(last);
			last = pg_strdup(strncmp(line, "pgmigrate: ", 11) == 0 ? line + 11 : line);
		}
	}
	fclose(f);
	return last ? last : pg_strdup("(no output)");
}

static void
finish(Target *t, int i, int status)
{
	FILE	   *sum = fopen(child_file(i, "sum"), "r");

	t->ms = now_ms() - t->started;
	t->state = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? TARGET_OK : TARGET_FAILED;
	if (sum)
	{
		if (fscanf(sum, "revisions %d", &t->revisions) != 1)
			t->revisions = -1;
		fclose(sum);
	}
	if (t->state == TARGET_FAILED)
		t->reason = last_line(child_file(i, "err"));
	fprintf(stderr, "%-6s %s (%.0f ms%s%s%s)\n", t->state == TARGET_OK ? "ok" : "FAILED", t->label, t->ms,
			t->revisions >= 0 ? psprintf(", %d revision%s", t->revisions, t->revisions == 1 ? "" : "s") : "",
			t->reason ? ": " : "", t->reason ? t->reason : "");
}

/* Wait for one child; returns whether it failed. */
static bool
wait_one(Target *targets, int n)
{
	int			status;
	pid_t		pid = wait(&status);
	int			i;

	if (pid < 0)
		failed("waiting for a child process failed: %s", strerror(errno));
	for (i = 0; i < n; i++)
		if (targets[i].state == TARGET_RUNNING && targets[i].pid == pid)
		{
			finish(&targets[i], i, status);
			return targets[i].state == TARGET_FAILED;
		}
	return false;
}

/* Run targets [from, to) with at most opts.jobs at a time; returns the failures. */
static int
run_range(Target *targets, int n, int from, int to, const char *self, int nargs, char **args)
{
	int			running = 0;
	int			failures = 0;
	int			next = from;

	while (next < to || running > 0)
	{
		if (next < to && running < opts.jobs && (failures == 0 || opts.keep_going))
		{
			start(&targets[next], next, self, nargs, args);
			next++;
			running++;
			continue;
		}
		if (running == 0)
			break;				/* stopped at a failure: the rest are not run */
		failures += wait_one(targets, n);
		running--;
	}
	return failures;
}

static void
print_summary(Target *targets, int n)
{
	static const char *const outcome[] = {"not run", "running", "ok", "failed", "not run"};
	int			i;
	int			ok = 0;

	if (opts.json)
	{
		printf("[");
		for (i = 0; i < n; i++)
		{
			Target	   *t = &targets[i];

			printf("%s{\"database\": ", i ? ",\n " : "");
			json_string(t->label);
			printf(", \"revisions\": ");
			if (t->revisions >= 0)
				printf("%d", t->revisions);
			else
				printf("null");
			printf(", \"duration_ms\": %.3f, \"outcome\": ", t->ms);
			json_string(outcome[t->state]);
			printf(", \"reason\": ");
			json_string(t->reason);
			printf("}");
		}
		printf("]\n");
		return;
	}
	printf("%-40s %9s %12s  %s\n", "database", "revisions", "duration_ms", "outcome");
	for (i = 0; i < n; i++)
	{
		Target	   *t = &targets[i];
		char		revisions[16] = "";

		if (t->revisions >= 0)
			snprintf(revisions, sizeof(revisions), "%d", t->revisions);
		printf("%-40s %9s %12.1f  %s%s%s\n", t->label, revisions, t->ms, outcome[t->state],
			   t->reason ? ": " : "", t->reason ? t->reason : "");
		ok += t->state == TARGET_OK;
	}
	printf("%d of %d database%s ok\n", ok, n, n == 1 ? "" : "s");
}

static void
remove_work_dir(Target *targets, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		unlink(child_file(i, "out"));
		unlink(child_file(i, "err"));
		unlink(child_file(i, "sum"));
	}
	rmdir(work_dir);
}

/*
 * Run the command (args: everything but -d and the fleet's own options)
 * against every target of opts.targets.  Returns the exit status.
 */
int
run_fleet(const char *self, int nargs, char **args)
{
	Target	   *targets;
	int			n = read_targets(opts.targets, &targets);
	int			failures;
	int			canary = opts.canary < n ? opts.canary : n;
	char		template[] = "/tmp/pgmigrate-fleet-XXXXXX";
	int			i;

	if ((work_dir = mkdtemp(template)) == NULL)
		failed("could not create a work directory: %s", strerror(errno));
	/* a failed canary stops the run, --keep-going or not: that is what it is for */
	if (canary > 0 && (failures = run_range(targets, n, 0, canary, self, nargs, args)) > 0)
		fprintf(stderr, "pgmigrate: %d of the %d canary database%s failed: stopping before the others\n",
				failures, canary, canary == 1 ? "" : "s");
	else
		(void) run_range(targets, n, canary, n, self, nargs, args);
	for (i = 0; i < n; i++)
		if (targets[i].state == TARGET_WAITING)
			targets[i].state = TARGET_NOT_RUN;
	print_summary(targets, n);
	remove_work_dir(targets, n);
	for (i = 0; i < n; i++)
		if (targets[i].state != TARGET_OK)
			return EXIT_FAILED;
	return 0;
}
