/* libtock/ipc/registry.h: asynchronous registration and discovery with the
 * draft IPC design's registries (string names 0xA0000, package names
 * 0xA0001). Each call completes through its callback inside yield(). An
 * IPC identifier is an opaque 64-bit value that changes when its process
 * restarts. */
#ifndef LIBTOCK_IPC_REGISTRY_H
#define LIBTOCK_IPC_REGISTRY_H

#include <libtock/ipc/syscalls/registry_syscalls.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Registration done: RETURNCODE_SUCCESS, or the failure (FAIL: the board's
 * registration filter refused the name). */
typedef void (*libtock_ipc_registry_register_callback)(returncode_t);
/* Discovery done: SUCCESS and the identifier, or ENODEVICE (not
 * registered, yet: retry later). */
typedef void (*libtock_ipc_registry_discover_callback)(returncode_t, uint64_t id);

/* Fills out[20] with name (at most 20 bytes) zero padded. */
void libtock_ipc_registry_name_pad(const char *name, uint8_t out[LIBTOCK_IPC_REGISTRY_NAME_LEN]);

/* Registers this process under `name` (up to 20 bytes, zero padded) in the
 * string-name registry. Immediate failures: ESIZE, EINVAL (empty name),
 * EALREADY (another process holds it). */
returncode_t libtock_ipc_registry_name_register(const char *name,
                                                libtock_ipc_registry_register_callback cb);
/* Looks `name` up in the string-name registry. */
returncode_t libtock_ipc_registry_name_discover(const char *name,
                                                libtock_ipc_registry_discover_callback cb);

/* Registers this process's own package name (ENOMEM: it has none). */
returncode_t libtock_ipc_registry_pkg_register(libtock_ipc_registry_register_callback cb);
/* Looks a package name up (compared byte for byte, no NUL). */
returncode_t libtock_ipc_registry_pkg_discover(const char *package_name,
                                               libtock_ipc_registry_discover_callback cb);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_IPC_REGISTRY_H */
