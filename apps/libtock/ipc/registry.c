/* registry.c: asynchronous registration and discovery with the draft IPC
 * design's registries. The name is copied into a buffer of the library's
 * own and shared only while the command runs (the kernel reads it then). */
#include <string.h>

#include <libtock/ipc/registry.h>

static uint8_t name_buf[LIBTOCK_IPC_REGISTRY_NAME_LEN];

void libtock_ipc_registry_name_pad(const char *name, uint8_t out[LIBTOCK_IPC_REGISTRY_NAME_LEN])
{
    size_t n = strlen(name);
    memset(out, 0, LIBTOCK_IPC_REGISTRY_NAME_LEN);
    memcpy(out, name, n < LIBTOCK_IPC_REGISTRY_NAME_LEN ? n : LIBTOCK_IPC_REGISTRY_NAME_LEN);
}

static void registered_upcall(int status, int unused1, int unused2, void *opaque)
{
    (void)unused1;
    (void)unused2;
    libtock_ipc_registry_register_callback cb = (libtock_ipc_registry_register_callback)opaque;
    cb(tock_status_to_returncode((statuscode_t)status));
}

static void discovered_upcall(int status, int lo, int hi, void *opaque)
{
    libtock_ipc_registry_discover_callback cb = (libtock_ipc_registry_discover_callback)opaque;
    uint64_t id = (uint64_t)(uint32_t)hi << 32 | (uint32_t)lo;
    cb(tock_status_to_returncode((statuscode_t)status), status == 0 ? id : 0);
}

/* Shares name (len bytes) with driver drv, runs command cmd, unshares. */
static returncode_t with_name(uint32_t drv, const uint8_t *name, uint32_t len, uint32_t cmd)
{
    returncode_t rc = drv == DRIVER_NUM_IPC_REGISTRY_NAME
                          ? libtock_ipc_registry_name_set_readonly_allow(name, len)
                          : libtock_ipc_registry_pkg_set_readonly_allow(name, len);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    if (drv == DRIVER_NUM_IPC_REGISTRY_NAME)
        rc = cmd == 1 ? libtock_ipc_registry_name_command_register()
                      : libtock_ipc_registry_name_command_discover();
    else
        rc = libtock_ipc_registry_pkg_command_discover();
    if (drv == DRIVER_NUM_IPC_REGISTRY_NAME)
        (void)libtock_ipc_registry_name_set_readonly_allow(NULL, 0);
    else
        (void)libtock_ipc_registry_pkg_set_readonly_allow(NULL, 0);
    return rc;
}

returncode_t libtock_ipc_registry_name_register(const char *name,
                                                libtock_ipc_registry_register_callback cb)
{
    returncode_t rc = libtock_ipc_registry_name_set_upcall_registration(registered_upcall, cb);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    libtock_ipc_registry_name_pad(name, name_buf);
    return with_name(DRIVER_NUM_IPC_REGISTRY_NAME, name_buf, sizeof(name_buf), 1);
}

returncode_t libtock_ipc_registry_name_discover(const char *name,
                                                libtock_ipc_registry_discover_callback cb)
{
    returncode_t rc = libtock_ipc_registry_name_set_upcall_discovery(discovered_upcall, cb);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    libtock_ipc_registry_name_pad(name, name_buf);
    return with_name(DRIVER_NUM_IPC_REGISTRY_NAME, name_buf, sizeof(name_buf), 2);
}

returncode_t libtock_ipc_registry_pkg_register(libtock_ipc_registry_register_callback cb)
{
    returncode_t rc = libtock_ipc_registry_pkg_set_upcall_registration(registered_upcall, cb);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    return libtock_ipc_registry_pkg_command_register();
}

returncode_t libtock_ipc_registry_pkg_discover(const char *package_name,
                                               libtock_ipc_registry_discover_callback cb)
{
    returncode_t rc = libtock_ipc_registry_pkg_set_upcall_discovery(discovered_upcall, cb);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    return with_name(DRIVER_NUM_IPC_REGISTRY_PKG, (const uint8_t *)package_name,
                     (uint32_t)strlen(package_name), 2);
}
