/* libtock/kernel/ipc.h: Tock's legacy IPC (driver 0x10000): find a service
 * by package name, notify services and clients, share a buffer.
 *
 * Names and signatures are libtock-c's (libtock/kernel/ipc.h). A process is
 * named by its index in the kernel's process array: discovery returns it,
 * and it is also the subscribe number and read-write allow number the
 * kernel uses for that peer. Like libtock-c this header brings in
 * <stdlib.h> and <string.h>, which its users rely on.
 */
#ifndef LIBTOCK_KERNEL_IPC_H
#define LIBTOCK_KERNEL_IPC_H

#include <stdlib.h>
#include <string.h>

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPC_DRIVER_NUM 0x10000

/* Looks up the process whose package name is pkg_name (compared without
 * its NUL) and stores its process index in *svc_id. Returns
 * RETURNCODE_SUCCESS, RETURNCODE_ENODEVICE if no process has that name, or
 * another negative code if the kernel refused a step. */
int ipc_discover(const char *pkg_name, size_t *svc_id);

/* Registers this process as the service pkg_name (its own package name):
 * callback runs as callback(client index, shared length, shared address,
 * ud) whenever a client notifies it. */
int ipc_register_service_callback(const char *pkg_name, subscribe_upcall callback, void *ud);

/* Registers callback for notifications from service svc_id: it runs as
 * callback(service index, length, address, ud), with length and address
 * 0 unless the service shared a buffer with this process. */
int ipc_register_client_callback(size_t svc_id, subscribe_upcall callback, void *ud);

/* Notifies client pid (its service callback has answered, say). */
int ipc_notify_client(size_t pid);

/* Notifies service pid; its callback gets the buffer shared with it. */
int ipc_notify_service(size_t pid);

/* Shares [base, base + len) with process pid, which can read and write it
 * once the kernel delivers the next notification to pid. On ARMv7-M the
 * MPU can only expose power-of-two sized buffers aligned to their size. */
int ipc_share(size_t pid, void *base, int len);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_KERNEL_IPC_H */
