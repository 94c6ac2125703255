/*
 * moat-probe: the program the kernel suite runs inside the guest (test/kernel/harness.ts builds it with
 * `gcc -static` at test time). One static binary, two roles:
 *
 *   moat-probe plan FILE    unconfined: carries out a plan (below), printing one MOAT-* line per result
 *   moat-probe worker ...   started by `plan`, under the profile being tested: tries each access
 *
 * The plan is a text file of tab-separated lines; every path is hex-encoded, so any byte can be in it:
 *
 *   D <hexpath>                     create the folder (and its parents), mode 0777
 *   F <hexpath>                     create a regular file (parents too), mode 0666, holding "moat\n"
 *   C <hexpath> <major> <minor>     create a character device node (parents too), mode 0666
 *   X <hexpath>                     copy this very binary to the path, mode 0755 (a service's `exec`)
 *   G <profile> <hexpath>           start a group: the checks below it run in one process, started by
 *                                   exec of the binary at <hexpath> (this one, or a copy made by X),
 *                                   after `exec <profile>` was written to /proc/self/attr/exec
 *                                   (<profile> "-": no change, the kernel attaches what matches)
 *   K <id> <op> <hexpath>           a check of the current group; op: read, write, lock, label, mount,
 *                                   socket (for mount and socket the hex field holds their operands,
 *                                   newline-separated: TARGET SOURCE FSTYPE [FLAGS], or FAMILY TYPE)
 *   E                               end of the group: run it
 *
 * Each group runs in a child: it writes its profile to /proc/self/attr/exec and executes the binary,
 * which reports back through a pipe (pipes are not mediated, so the profile cannot hide the results).
 * The parent, still unconfined, reads the child's label from /proc/PID/attr/current while the child
 * waits, then lets it run its checks. What a check observes:
 *
 *   read    open(O_RDONLY)                               allow | deny (EACCES) | error:ERRNO
 *   write   open(O_WRONLY) (no create, no truncation)    allow | deny | error:ERRNO
 *   lock    open(O_RDONLY), then flock(LOCK_SH|LOCK_NB)  allow | deny | error:ERRNO (open:... if the open failed)
 *   label   the process's label (/proc/PID/attr/current, read by the parent)
 *   mount   mount(SOURCE, TARGET, FSTYPE, FLAGS, NULL) (FLAGS: an optional fourth operand, a number;
 *           default 0), then umount2(TARGET, MNT_DETACH) if it worked:
 *           allow | deny (EACCES: AppArmor's mount rules) | error:ERRNO (the kernel refused it further
 *           on, after AppArmor let it through: no such file system, not a block device)
 *   socket  socket(FAMILY, TYPE, PROTO) (PROTO: ICMP for inet raw, ICMPv6 for inet6 raw, else 0):
 *           allow | deny (EACCES: no `network` rule; EPERM: a capability the profile lacks, such as
 *           net_raw, since the probe runs as root and AppArmor is the only LSM) | error:ERRNO
 *
 * Output lines (the harness parses them from the console):
 *   MOAT-SETUP-FAIL <hexpath> <errno>
 *   MOAT-GROUP <n> <hexlabel>                the label the group's process runs under
 *   MOAT-RESULT <id> <observed> <detail>
 *   MOAT-GROUP-FAIL <n> <reason>             the group could not be started
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static char *unhex(const char *hex) {
  size_t n = strlen(hex) / 2;
  char *out = malloc(n + 1);
  for (size_t i = 0; i < n; i++) {
    unsigned int b;
    sscanf(hex + 2 * i, "%2x", &b);
    out[i] = (char)b;
  }
  out[n] = 0;
  return out;
}

static void print_hex(FILE *f, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(f, "%02x", (unsigned char)s[i]);
}

static const char *errname(int e) {
  switch (e) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case ENXIO: return "ENXIO";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case EROFS: return "EROFS";
    case EBUSY: return "EBUSY";
    case EWOULDBLOCK: return "EWOULDBLOCK";
    case EBADF: return "EBADF";
    case EIO: return "EIO";
    default: {
      static char buf[32];
      snprintf(buf, sizeof buf, "E%d", e);
      return buf;
    }
  }
}

static const char *verdict(int e) {
  static char buf[64];
  if (e == 0) return "allow";
  /* AppArmor refuses a file access with EACCES; EPERM would be a capability, not the path rule. */
  if (e == EACCES) return "deny";
  snprintf(buf, sizeof buf, "error:%s", errname(e));
  return buf;
}

/* ---- worker: runs confined; argv holds triples id op hexpath ---- */

static int try_open(const char *path, int flags) {
  int fd = open(path, flags | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  return fd;
}

/* Splits `s` at newlines into at most `max` parts; returns how many. */
static int operands(char *s, char **out, int max) {
  int n = 0;
  out[n++] = s;
  for (char *c = s; *c && n < max; c++) {
    if (*c == '\n') {
      *c = 0;
      out[n++] = c + 1;
    }
  }
  return n;
}

static int family_of(const char *name) {
  if (strcmp(name, "inet") == 0) return AF_INET;
  if (strcmp(name, "inet6") == 0) return AF_INET6;
  if (strcmp(name, "unix") == 0) return AF_UNIX;
  if (strcmp(name, "netlink") == 0) return AF_NETLINK;
  if (strcmp(name, "packet") == 0) return AF_PACKET;
  return -1;
}

static int type_of(const char *name) {
  if (strcmp(name, "stream") == 0) return SOCK_STREAM;
  if (strcmp(name, "dgram") == 0) return SOCK_DGRAM;
  if (strcmp(name, "raw") == 0) return SOCK_RAW;
  if (strcmp(name, "seqpacket") == 0) return SOCK_SEQPACKET;
  return -1;
}

static int worker(int argc, char **argv) {
  /* Tell the parent we run (it reads our label now), then wait for its go. */
  char go;
  if (write(1, "R\n", 2) != 2) return 1;
  if (read(0, &go, 1) != 1) return 1;
  for (int i = 0; i + 2 < argc; i += 3) {
    const char *id = argv[i], *op = argv[i + 1];
    char *path = unhex(argv[i + 2]);
    int e = 0;
    const char *detail = "-";
    if (strcmp(op, "read") == 0 || strcmp(op, "write") == 0) {
      int fd = try_open(path, strcmp(op, "read") == 0 ? O_RDONLY : O_WRONLY);
      if (fd < 0) e = errno;
      else close(fd);
      detail = "open";
    } else if (strcmp(op, "lock") == 0) {
      int fd = try_open(path, O_RDONLY);
      if (fd < 0) {
        e = errno;
        detail = "open";
      } else {
        if (flock(fd, LOCK_SH | LOCK_NB) != 0) e = errno;
        else flock(fd, LOCK_UN);
        detail = "flock";
        close(fd);
      }
    } else if (strcmp(op, "label") == 0) {
      detail = "label";
    } else if (strcmp(op, "mount") == 0) {
      char *part[4] = {0};
      int n = operands(path, part, 4);
      if (n < 3) {
        e = EINVAL;
        detail = "operands";
      } else {
        unsigned long flags = n == 4 ? strtoul(part[3], NULL, 0) : 0;
        if (mount(part[1], part[0], part[2], flags, NULL) != 0) e = errno;
        else umount2(part[0], MNT_DETACH);
        detail = "mount";
      }
    } else if (strcmp(op, "socket") == 0) {
      char *part[2] = {0};
      int family, type;
      if (operands(path, part, 2) != 2 || (family = family_of(part[0])) < 0 || (type = type_of(part[1])) < 0) {
        e = EINVAL;
        detail = "operands";
      } else {
        int proto = type == SOCK_RAW && family == AF_INET ? IPPROTO_ICMP : type == SOCK_RAW && family == AF_INET6 ? IPPROTO_ICMPV6 : 0;
        int fd = socket(family, type, proto);
        if (fd < 0) {
          e = errno;
          /* A capability refused by AppArmor is EPERM: for a root process, that is the profile's answer. */
          detail = e == EPERM ? "socket-capability" : "socket";
          if (e == EPERM) e = EACCES;
        } else {
          close(fd);
          detail = "socket";
        }
      }
    } else {
      e = EINVAL;
      detail = "unknown-op";
    }
    printf("MOAT-RESULT %s %s %s\n", id, verdict(e), detail);
    free(path);
  }
  fflush(stdout);
  return 0;
}

/* ---- plan: runs unconfined ---- */

static int mkdirs(const char *path, mode_t mode) {
  char *p = strdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) { free(p); return -1; }
    *s = '/';
  }
  int r = 0;
  if (mode != 0) {
    if (mkdir(p, mode) != 0 && errno != EEXIST) r = -1;
    else chmod(p, mode);
  }
  free(p);
  return r;
}

static int parents(const char *path) {
  char *p = strdup(path);
  char *slash = strrchr(p, '/');
  int r = 0;
  if (slash != NULL && slash != p) {
    *slash = 0;
    r = mkdirs(p, 0777);
  }
  free(p);
  return r;
}

static void setup_fail(const char *hex) {
  printf("MOAT-SETUP-FAIL %s %s\n", hex, errname(errno));
}

static int copy_self(const char *to) {
  int in = open("/proc/self/exe", O_RDONLY);
  if (in < 0) return -1;
  unlink(to);
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  if (out < 0) { close(in); return -1; }
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) {
    if (write(out, buf, (size_t)n) != n) { close(in); close(out); return -1; }
  }
  close(in);
  fchmod(out, 0755);
  return close(out);
}

struct group {
  int n;
  char profile[512];
  char *exec;
  char **args;
  int nargs, cap;
};

static void add_arg(struct group *g, const char *s) {
  if (g->nargs + 1 >= g->cap) {
    g->cap = g->cap ? g->cap * 2 : 64;
    g->args = realloc(g->args, sizeof(char *) * (size_t)g->cap);
  }
  g->args[g->nargs++] = strdup(s);
  g->args[g->nargs] = NULL;
}

static void run_group(struct group *g) {
  int down[2], up[2];
  if (pipe(down) != 0 || pipe(up) != 0) { printf("MOAT-GROUP-FAIL %d pipe\n", g->n); return; }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(down[0], 0);
    dup2(up[1], 1);
    dup2(up[1], 2);
    close(down[0]); close(down[1]); close(up[0]); close(up[1]);
    if (strcmp(g->profile, "-") != 0) {
      int fd = open("/proc/self/attr/exec", O_WRONLY);
      char cmd[600];
      int len = snprintf(cmd, sizeof cmd, "exec %s", g->profile);
      if (fd < 0 || write(fd, cmd, (size_t)len) != len) {
        printf("MOAT-GROUP-FAIL %d attr-exec:%s\n", g->n, errname(errno));
        fflush(stdout);
        _exit(1);
      }
      close(fd);
    }
    char **argv = malloc(sizeof(char *) * (size_t)(g->nargs + 3));
    argv[0] = "moat-probe";
    argv[1] = "worker";
    for (int i = 0; i < g->nargs; i++) argv[i + 2] = g->args[i];
    argv[g->nargs + 2] = NULL;
    execv(g->exec, argv);
    printf("MOAT-GROUP-FAIL %d exec:%s\n", g->n, errname(errno));
    fflush(stdout);
    _exit(1);
  }
  close(down[0]);
  close(up[1]);
  FILE *in = fdopen(up[0], "r");
  char line[4096];
  int started = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    if (!started && strcmp(line, "R\n") == 0) {
      started = 1;
      char attr[64];
      snprintf(attr, sizeof attr, "/proc/%d/attr/current", (int)pid);
      int fd = open(attr, O_RDONLY);
      char label[1024];
      ssize_t n = fd < 0 ? -1 : read(fd, label, sizeof label - 1);
      if (fd >= 0) close(fd);
      while (n > 0 && (label[n - 1] == '\n' || label[n - 1] == 0)) n--;
      printf("MOAT-GROUP %d ", g->n);
      if (n > 0) print_hex(stdout, label, (size_t)n);
      else printf("-");
      printf("\n");
      fflush(stdout);
      if (write(down[1], "g", 1) != 1) break;
      continue;
    }
    fputs(line, stdout);
  }
  fclose(in);
  close(down[1]);
  int status;
  waitpid(pid, &status, 0);
  if (!started) printf("MOAT-GROUP-FAIL %d no-start\n", g->n);
  printf("MOAT-GROUP-END %d %d\n", g->n, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  fflush(stdout);
}

static int plan(const char *file) {
  FILE *f = fopen(file, "r");
  if (f == NULL) { perror(file); return 1; }
  static char line[1 << 16];
  struct group g = {0};
  int groups = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\n")] = 0;
    char *fields[8] = {0};
    int nf = 0;
    for (char *tok = strtok(line, "\t"); tok != NULL && nf < 8; tok = strtok(NULL, "\t")) fields[nf++] = tok;
    if (nf == 0) continue;
    char kind = fields[0][0];
    if (kind == 'D' && nf >= 2) {
      char *p = unhex(fields[1]);
      if (mkdirs(p, 0777) != 0) setup_fail(fields[1]);
      free(p);
    } else if (kind == 'F' && nf >= 2) {
      char *p = unhex(fields[1]);
      int fd;
      if (parents(p) != 0 || (fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0) setup_fail(fields[1]);
      else {
        if (write(fd, "moat\n", 5) != 5) setup_fail(fields[1]);
        fchmod(fd, 0666);
        close(fd);
      }
      free(p);
    } else if (kind == 'C' && nf >= 4) {
      char *p = unhex(fields[1]);
      struct stat st;
      if (lstat(p, &st) == 0) {
        /* devtmpfs made it already (/dev/mem, /dev/port): keep the kernel's node */
      } else if (parents(p) != 0 || mknod(p, S_IFCHR | 0666, makedev(atoi(fields[2]), atoi(fields[3]))) != 0) {
        setup_fail(fields[1]);
      } else {
        chmod(p, 0666);
      }
      free(p);
    } else if (kind == 'X' && nf >= 2) {
      char *p = unhex(fields[1]);
      if (parents(p) != 0 || copy_self(p) != 0) setup_fail(fields[1]);
      free(p);
    } else if (kind == 'G' && nf >= 3) {
      memset(&g, 0, sizeof g);
      g.n = groups++;
      snprintf(g.profile, sizeof g.profile, "%s", fields[1]);
      g.exec = unhex(fields[2]);
    } else if (kind == 'K' && nf >= 4) {
      add_arg(&g, fields[1]);
      add_arg(&g, fields[2]);
      add_arg(&g, fields[3]);
    } else if (kind == 'E') {
      run_group(&g);
      for (int i = 0; i < g.nargs; i++) free(g.args[i]);
      free(g.args);
      free(g.exec);
      memset(&g, 0, sizeof g);
    }
  }
  fclose(f);
  printf("MOAT-PLAN-DONE %d\n", groups);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "worker") == 0) return worker(argc - 2, argv + 2);
  if (argc >= 3 && strcmp(argv[1], "plan") == 0) return plan(argv[2]);
  fprintf(stderr, "usage: moat-probe plan FILE | moat-probe worker (id op hexpath)...\n");
  return 2;
}
