#ifndef CPCAP_SHIM_H
#define CPCAP_SHIM_H
#include <pcap/pcap.h>
#include <stdio.h>
#if defined(__linux__)
#include <stdio_ext.h>
/* The capture's FILE is read by one thread only: stdio need not lock it on every fread (it does once the
   process has a second thread, the tracker). */
static inline void cpcap_unlocked_stream(FILE *file) { __fsetlocking(file, FSETLOCKING_BYCALLER); }
#else
static inline void cpcap_unlocked_stream(FILE *file) { (void)file; }
#endif
#endif
