/* Whole-process timing harness for scripts/bench-hook: fork and exec each command with its
 * event on stdin (a file, so every command is fed alike), interleaved round by round so the
 * machine's noise hits all of them alike. Python's subprocess costs more than the gate
 * itself; this is the cost Claude Code's own spawn would see.
 *
 * Usage: spawn ROUNDS PLAN
 * PLAN: one command per line, tab-separated: name, stdin file, env (KEY=VAL;KEY=VAL or -),
 * then argv. Output: one line per run: name, round, wall ns, exit status, max RSS KiB. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 64
#define MAX_ARGS 32
#define MAX_ENV 32

struct cmd {
    char *name, *input;
    char *argv[MAX_ARGS + 1];
    char *envp[MAX_ENV + 1];
};

static char *dup_field(char **cursor) {
    char *field = strsep(cursor, "\t\n");
    return field ? strdup(field) : NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: spawn ROUNDS PLAN\n");
        return 2;
    }
    int rounds = atoi(argv[1]);
    FILE *plan = fopen(argv[2], "r");
    if (!plan || rounds <= 0) {
        fprintf(stderr, "spawn: cannot read plan %s or bad rounds\n", argv[2]);
        return 2;
    }
    static struct cmd cmds[MAX_CMDS];
    int n = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, plan) > 0 && n < MAX_CMDS) {
        char *cursor = line;
        struct cmd *c = &cmds[n];
        c->name = dup_field(&cursor);
        c->input = dup_field(&cursor);
        char *env = dup_field(&cursor);
        if (!c->name || !c->input || !env) continue;
        int e = 0;
        if (strcmp(env, "-") != 0) {
            for (char *kv = strtok(env, ";"); kv && e < MAX_ENV; kv = strtok(NULL, ";")) c->envp[e++] = kv;
        }
        c->envp[e] = NULL;
        int a = 0;
        char *arg;
        while (a < MAX_ARGS && (arg = strsep(&cursor, "\t\n")) && *arg) c->argv[a++] = strdup(arg);
        c->argv[a] = NULL;
        if (a > 0) n++;
    }
    int devnull = open("/dev/null", O_WRONLY);
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n; i++) {
            struct cmd *c = &cmds[i];
            int in = open(c->input, O_RDONLY);
            if (in < 0) {
                perror(c->input);
                return 2;
            }
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            pid_t pid = fork();
            if (pid == 0) {
                dup2(in, 0);
                dup2(devnull, 1);
                dup2(devnull, 2);
                execve(c->argv[0], c->argv, c->envp);
                _exit(127);
            }
            int status = 0;
            struct rusage usage;
            wait4(pid, &status, 0, &usage);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            close(in);
            long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
            int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            printf("%s\t%d\t%lld\t%d\t%ld\n", c->name, r, ns, code, usage.ru_maxrss);
        }
    }
    return 0;
}
