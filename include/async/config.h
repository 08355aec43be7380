/*
 * async/config.h - every limit of the async core, in one place.
 *
 * Each value may be overridden with -D on the compiler command line (the host
 * tests raise a few); the kernel uses the defaults. All storage these limits
 * size is static (pools), so raising one costs image size, not heap.
 */
#ifndef ASYNC_CONFIG_H
#define ASYNC_CONFIG_H

#ifndef ASYNC_STACK_BYTES
#define ASYNC_STACK_BYTES 1024 /* inline frame stack of every op, bytes */
#endif
#ifndef ASYNC_FRAME_STATE_MAX
#define ASYNC_FRAME_STATE_MAX 256 /* largest per-layer frame state, bytes */
#endif
#ifndef ASYNC_OPS_MAX
#define ASYNC_OPS_MAX 1024 /* ops in flight at once, join children included */
#endif
#ifndef ASYNC_WAITERS_MAX
#define ASYNC_WAITERS_MAX 16 /* waiters in existence at once */
#endif
#ifndef ASYNC_SLOT_BLOCKS_MAX
#define ASYNC_SLOT_BLOCKS_MAX 32 /* blocks of ASYNC_SLOTS_PER_BLOCK waiter slots, all waiters */
#endif
#ifndef ASYNC_SLOTS_PER_BLOCK
#define ASYNC_SLOTS_PER_BLOCK 64 /* slots (and ring entries) per slot block */
#endif
#ifndef ASYNC_WAITER_SLOTS_MAX
#define ASYNC_WAITER_SLOTS_MAX 16384 /* slots of one waiter */
#endif
#ifndef ASYNC_SPILL_CHUNK
#define ASYNC_SPILL_CHUNK 512 /* bytes per spill chunk taken from an async_heap */
#endif
#ifndef ASYNC_KERNEL_HEAP_BYTES
#define ASYNC_KERNEL_HEAP_BYTES 16384 /* spill heap of kernel-internal ops */
#endif
#ifndef ASYNC_JOIN_MAX
#define ASYNC_JOIN_MAX 16 /* children of one join */
#endif
#ifndef ASYNC_BUFS_MAX
#define ASYNC_BUFS_MAX 1024 /* buffer descriptors (borrowed, user, owned) */
#endif
#ifndef ASYNC_OWNED_BUF_BYTES
#define ASYNC_OWNED_BUF_BYTES 4096 /* data bytes of one owned buffer */
#endif
#ifndef ASYNC_OWNED_BUFS_MAX
#define ASYNC_OWNED_BUFS_MAX 32 /* owned buffer data blocks */
#endif
#ifndef ASYNC_SG_MAX
#define ASYNC_SG_MAX 16 /* scatter-gather entries of one user buffer */
#endif
#ifndef ASYNC_PAGE_SIZE
#define ASYNC_PAGE_SIZE 4096 /* user page size, for pinning */
#endif
#ifndef ASYNC_REGBUF_MAX
#define ASYNC_REGBUF_MAX 32 /* registered buffers of one table (process) */
#endif
#ifndef ASYNC_REGBUF_TABLES_MAX
#define ASYNC_REGBUF_TABLES_MAX 16 /* registered-buffer tables (processes) */
#endif
#ifndef ASYNC_PBQ_MAX
#define ASYNC_PBQ_MAX 64 /* buffers in one provided-buffer queue */
#endif
#ifndef ASYNC_PBQ_QUEUES_MAX
#define ASYNC_PBQ_QUEUES_MAX 16 /* provided-buffer queues */
#endif
#ifndef ASYNC_PBQ_CONSUMERS_MAX
#define ASYNC_PBQ_CONSUMERS_MAX 8 /* consumers with their own credit, per queue */
#endif
#ifndef ASYNC_WORKERS
#define ASYNC_WORKERS 2 /* worker threads running blocking steps */
#endif
#ifndef ASYNC_WORK_QUEUE
#define ASYNC_WORK_QUEUE 64 /* queued blocking steps before -EAGAIN */
#endif
#ifndef ASYNC_WAITER_OP_CACHE
#define ASYNC_WAITER_OP_CACHE 8 /* finished ops a waiter keeps for reuse without the pool lock */
#endif

#endif
