/* Fire-lateness probe for scripts/bench-run.py (compiled there with cc -O2).
 *
 * probe OUT
 *     Appends one line "JOB_ID SCHEDULED_AT START_US\n" to OUT with a single
 *     O_APPEND write: $TICK_JOB_ID, $TICK_SCHEDULED_AT (RFC 3339 UTC) and
 *     this process's start time (CLOCK_REALTIME, microseconds since the
 *     epoch, read first thing in main). Never reads stdin.
 *
 * probe --floor OUT FIRST SECONDS JOBS PERIOD SPREAD MAX_CONC SHELL
 *     The floor: the best a bare spawner does on this machine. For SECONDS
 *     whole seconds from FIRST (epoch seconds; 0: the next one), sleeps
 *     until each second s and spawns, for every job i due at s,
 *     `/bin/sh -c "PROBE OUT"` (SHELL 1) or `PROBE OUT` itself (SHELL 0)
 *     (PROBE = argv[0], an absolute path) in its own process group
 *     with stdin, stdout and stderr on /dev/null, TICK_JOB_ID=j<i> and
 *     TICK_SCHEDULED_AT=s, at most MAX_CONC at once. Job i is due at s
 *     iff s % PERIOD == (SPREAD ? i % PERIOD : 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int probe(const char *out, struct timespec t) {
    const char *id = getenv("TICK_JOB_ID"), *at = getenv("TICK_SCHEDULED_AT");
    char line[512];
    int n = snprintf(line, sizeof line, "%s %s %lld\n", id ? id : "-", at ? at : "-",
                     (long long)t.tv_sec * 1000000LL + t.tv_nsec / 1000);
    int fd = open(out, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0 || n <= 0 || n >= (int)sizeof line || write(fd, line, n) != n) return 1;
    return close(fd) != 0;
}

static int floor_run(char *self, char **a) {
    const char *out = a[0];
    long seconds = atol(a[2]), jobs = atol(a[3]), period = atol(a[4]), spread = atol(a[5]),
         conc = atol(a[6]), shell = atol(a[7]), running = 0;
    char cmd[4096], envid[64], envat[64];
    snprintf(cmd, sizeof cmd, "%s %s", self, out);
    /* The child's environment: ours plus the two TICK_ variables. */
    size_t ne = 0;
    while (environ[ne]) ne++;
    char **env = calloc(ne + 3, sizeof *env);
    for (size_t k = 0; k < ne; k++) env[k] = environ[k];
    env[ne] = envid;
    env[ne + 1] = envat;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    char *sh_argv[] = {"/bin/sh", "-c", cmd, NULL}, *bare_argv[] = {self, (char *)out, NULL};
    char **argv = shell ? sh_argv : bare_argv;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t first = atol(a[1]) > 0 ? (time_t)atol(a[1]) : now.tv_sec + 1;
    for (time_t s = first; s < first + seconds; s++) {
        while (running > 0 && waitpid(-1, NULL, WNOHANG) > 0) running--;
        struct timespec due = {s, 0};
        while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &due, NULL) == EINTR) {}
        struct tm tm;
        gmtime_r(&s, &tm);
        strftime(envat, sizeof envat, "TICK_SCHEDULED_AT=%Y-%m-%dT%H:%M:%SZ", &tm);
        for (long i = 0; i < jobs; i++) {
            if (s % period != (spread ? i % period : 0)) continue;
            while (running >= conc) {
                if (waitpid(-1, NULL, 0) > 0) running--;
                else if (errno != EINTR) running = 0;
            }
            snprintf(envid, sizeof envid, "TICK_JOB_ID=j%ld", i);
            pid_t pid;
            if (posix_spawn(&pid, argv[0], &fa, &at, argv, env) == 0) running++;
            else perror("posix_spawn");
        }
    }
    while (wait(NULL) > 0 || errno == EINTR) {}
    return 0;
}

int main(int argc, char **argv) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    if (argc == 2) return probe(argv[1], t);
    if (argc == 10 && strcmp(argv[1], "--floor") == 0) return floor_run(argv[0], argv + 2);
    fprintf(stderr,
            "usage: %s OUT | %s --floor OUT FIRST SECONDS JOBS PERIOD SPREAD MAX_CONC SHELL\n",
            argv[0], argv[0]);
    return 2;
}
