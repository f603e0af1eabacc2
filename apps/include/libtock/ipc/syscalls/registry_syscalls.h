/* libtock/ipc/syscalls/registry_syscalls.h: one-syscall wrappers for the
 * IPC registries of Tock's draft IPC design (tock/tock PR #5016): the
 * string-name registry 0xA0000 and the package-name registry 0xA0001.
 * Both: command 1 register, 2 discover; read-only allow 0 the name;
 * subscribe 0 registration done (status, 0, 0), 1 discovery done (status,
 * id low, id high). */
#ifndef LIBTOCK_IPC_REGISTRY_SYSCALLS_H
#define LIBTOCK_IPC_REGISTRY_SYSCALLS_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIVER_NUM_IPC_REGISTRY_NAME 0xA0000
#define DRIVER_NUM_IPC_REGISTRY_PKG 0xA0001
#define LIBTOCK_IPC_REGISTRY_NAME_LEN 20 /* a string-name registry name, bytes */

/* ---- String-name registry (0xA0000) ---- */

bool libtock_ipc_registry_name_driver_exists(void);
/* Registration done (subscribe 0): (status, 0, 0). */
returncode_t libtock_ipc_registry_name_set_upcall_registration(subscribe_upcall cb, void *opaque);
/* Discovery done (subscribe 1): (status, id low, id high). */
returncode_t libtock_ipc_registry_name_set_upcall_discovery(subscribe_upcall cb, void *opaque);
/* Shares the 20-byte name (read-only allow 0); NULL, 0 unshares. */
returncode_t libtock_ipc_registry_name_set_readonly_allow(const uint8_t *name, uint32_t len);
returncode_t libtock_ipc_registry_name_command_register(void);
returncode_t libtock_ipc_registry_name_command_discover(void);

/* ---- Package-name registry (0xA0001) ---- */

bool libtock_ipc_registry_pkg_driver_exists(void);
returncode_t libtock_ipc_registry_pkg_set_upcall_registration(subscribe_upcall cb, void *opaque);
returncode_t libtock_ipc_registry_pkg_set_upcall_discovery(subscribe_upcall cb, void *opaque);
/* Shares the package name to discover (any length, no NUL). */
returncode_t libtock_ipc_registry_pkg_set_readonly_allow(const uint8_t *name, uint32_t len);
/* Registers the caller's own package name (the kernel supplies it). */
returncode_t libtock_ipc_registry_pkg_command_register(void);
returncode_t libtock_ipc_registry_pkg_command_discover(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_IPC_REGISTRY_SYSCALLS_H */
