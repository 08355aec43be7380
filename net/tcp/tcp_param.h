/*
 * tcp_param.h - the TCP engine's limits and protocol constants, in one place.
 * Each may be overridden with -D at build time.
 */
#ifndef NET_TCP_PARAM_H
#define NET_TCP_PARAM_H

#ifndef TCP_SOCKS_MAX
#define TCP_SOCKS_MAX 384 /* control blocks: listeners, connections, TIME_WAIT (no rings) */
#endif
#ifndef TCP_RINGS_MAX
#define TCP_RINGS_MAX 640 /* send+receive rings: two per connection, 320 connections (40 MiB) */
#endif
#ifndef TCP_RING_SIZE
#define TCP_RING_SIZE 65536 /* bytes per ring: the largest window we advertise */
#endif
#ifndef TCP_TXREFS_MAX
#define TCP_TXREFS_MAX 128 /* data segments a zero-copy lower (a NIC) holds at once */
#endif
#define TCP_OOO_MAX	     4		    /* out-of-order ranges kept (also SACK blocks sent) */
#define TCP_DEFAULT_MSS	     536	    /* peer MSS when it sends no option (RFC 9293 3.7.1) */
#define TCP_RTO_INIT_NS	     1000000000ULL  /* RFC 6298 2.1: 1 s */
#define TCP_RTO_SYN_FALLBACK 3000000000ULL  /* RFC 6298 5.7: 3 s after a lost SYN */
#define TCP_RTO_MIN_NS	     1000000000ULL  /* RFC 6298 2.4: 1 s */
#define TCP_RTO_MAX_NS	     60000000000ULL /* RFC 6298 2.5: 60 s */
#define TCP_CLOCK_G_NS	     1000000ULL	    /* G of RFC 6298 2.2: the 1 ms clock granularity */
#define TCP_DELACK_NS	     200000000ULL   /* delayed ACK at most 200 ms (RFC 9293 3.8.6.3) */
#define TCP_MSL_NS	     30000000000ULL /* TIME_WAIT lasts 2*MSL = 60 s */
#define TCP_FIN_WAIT2_NS     60000000000ULL /* an orphan in FIN_WAIT_2 gives up after 60 s */
#define TCP_RETRIES_MAX	     12		    /* timeouts before -ETIMEDOUT (R2, RFC 9293 3.8.3) */
#define TCP_SYN_RETRIES	     6		    /* timeouts of a SYN before -ETIMEDOUT (R2 for SYN) */
#define TCP_PERSIST_MIN_NS   1000000000ULL  /* zero-window probe interval, doubling */
#define TCP_PERSIST_MAX_NS   60000000000ULL
#define TCP_PMTU_MIN	     552 /* lowest path MTU believed (Linux's min_pmtu; RFC 5927 7.2) */
#define TCP_PMTU_TTL_NS	     600000000000ULL /* a learnt path MTU is kept 10 min (RFC 1191 6.3) */
#define TCP_EPHEMERAL_LO     49152	     /* ephemeral ports (RFC 6335) */
#define TCP_EPHEMERAL_HI     65535

#endif
