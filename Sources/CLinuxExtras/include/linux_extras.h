/* glibc declarations the Swift Glibc module leaves out (malloc tuning, statfs, the GNU
   posix_spawn chdir action). Used by LinuxSystem only. */
#ifndef AUGMENTD_LINUX_EXTRAS_H
#define AUGMENTD_LINUX_EXTRAS_H
#include <malloc.h>
#include <spawn.h>
#include <sys/vfs.h>

/* posix_spawn_file_actions_addchdir_np (glibc 2.29+), which needs _GNU_SOURCE. */
int lx_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): close every descriptor >= from. */
int lx_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);
#endif
