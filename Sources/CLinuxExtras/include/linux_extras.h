/* glibc declarations the Swift Glibc module leaves out (malloc tuning, statfs, the GNU
   posix_spawn chdir action). Used by LinuxSystem only. */
#ifndef AUGMENTD_LINUX_EXTRAS_H
#define AUGMENTD_LINUX_EXTRAS_H
#include <malloc.h>
#include <spawn.h>
#include <sys/vfs.h>
#include <fcntl.h>
#include <stdio.h>

/* posix_spawn_file_actions_addchdir_np (glibc 2.29+), which needs _GNU_SOURCE. */
int lx_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): close every descriptor >= from. */
int lx_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);
/* renameat2(…, RENAME_NOREPLACE): a rename that fails with EEXIST instead of replacing. */
int lx_rename_noreplace(const char *from, const char *to);
#endif
