/* The practical speed limit for reading a capture: libpcap's pcap_next_ex over a FILE opened with a 1 MiB
 * stdio buffer, looking at each packet's TCP flags (Ethernet, IPv4/IPv6) and counting SYNs and FINs.
 * Built and run by scripts/benchmark.sh. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: bare-loop FILE\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    /* The buffer must be passed: with NULL, glibc ignores the size and reads 4 KiB per read(2). */
    static char buffer[1 << 20];
    setvbuf(f, buffer, _IOFBF, sizeof buffer);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) { fprintf(stderr, "%s\n", err); return 2; }
    struct pcap_pkthdr *h; const u_char *d;
    unsigned long packets = 0, tcp = 0, syn = 0, fin = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        packets++;
        if (h->caplen < 14) continue;
        unsigned type = d[12] << 8 | d[13], off = 14, proto;
        if (type == 0x0800 && h->caplen >= 34) { proto = d[23]; off += (d[14] & 15) * 4; }
        else if (type == 0x86dd && h->caplen >= 54) { proto = d[20]; off += 40; }
        else continue;
        if (proto != 6 || h->caplen < off + 14) continue;
        tcp++;
        if (d[off + 13] & 2) syn++;
        if (d[off + 13] & 1) fin++;
    }
    printf("%lu packets, %lu tcp, %lu syn, %lu fin\n", packets, tcp, syn, fin);
    pcap_close(p);
    return 0;
}
