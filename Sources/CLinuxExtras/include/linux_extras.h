/* glibc declarations the Swift Glibc module leaves out (malloc tuning, statfs). Used by LinuxSystem only. */
#ifndef AUGMENTD_LINUX_EXTRAS_H
#define AUGMENTD_LINUX_EXTRAS_H
#include <malloc.h>
#include <sys/vfs.h>
#endif
