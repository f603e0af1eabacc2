/* libtock-sync/ipc/registry.h: blocking registration and discovery with
 * the draft IPC design's registries. Each call waits for its own upcall
 * with yield-wait-for: no other upcall runs meanwhile. */
#ifndef LIBTOCKSYNC_IPC_REGISTRY_H
#define LIBTOCKSYNC_IPC_REGISTRY_H

#include <libtock/ipc/registry.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Registers `name` (up to 20 bytes, zero padded); the registry's verdict. */
returncode_t libtocksync_ipc_registry_name_register(const char *name);
/* Discovers `name`: SUCCESS and *id, or ENODEVICE (not registered yet). */
returncode_t libtocksync_ipc_registry_name_discover(const char *name, uint64_t *id);
/* Registers this process's own package name. */
returncode_t libtocksync_ipc_registry_pkg_register(void);
/* Discovers a process by package name. */
returncode_t libtocksync_ipc_registry_pkg_discover(const char *package_name, uint64_t *id);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_IPC_REGISTRY_H */
