/*
** sw_fault.h — fault injection, for tests only (stemmer/base/base.c).
** Not part of any public header and never installed: tests link the
** interface target sw_fault to see it, and the index layer's write path
** (index/file.c) uses sw_fault_write_hit.
*/
#ifndef SW_FAULT_H
#define SW_FAULT_H

/* Fault injection (tests only): after `n` more successful allocations every
** allocation fails, until sw_fault_alloc_reset(). n < 0 disables. Returns the
** number of allocations attempted since sw_fault_alloc_after(), the failed
** ones included: a result above n tells the fault was reached. */
void sw_fault_alloc_after(long n);
long sw_fault_alloc_reset(void);

/* The same for writes of index files: after `n` more successful writes every
** write(2) and every fsync(2) of a file the index layer writes fails as if
** the disk were full (ENOSPC: SW_FULL, the message naming the file), until
** sw_fault_write_reset(). n < 0 disables. Returns the number of writes and
** fsyncs attempted since sw_fault_write_after(), the failed ones included. */
void sw_fault_write_after(long n);
long sw_fault_write_reset(void);

/* For the index layer's write path only: call once before each write(2) or
** fsync(2) of an index file; 1 means "fail it with ENOSPC". Always 0 (and
** nothing counted) unless a test armed sw_fault_write_after(). */
int sw_fault_write_hit(void);

#endif /* SW_FAULT_H */
