/* registry_sync.c: blocking registration and discovery (share the name,
 * issue the command, wait for the registry's upcall with yield-wait-for). */
#include <string.h>

#include <libtock-sync/ipc/registry.h>

static uint8_t name_buf[LIBTOCK_IPC_REGISTRY_NAME_LEN];

/* Waits for upcall `num` of drv: its status as a returncode_t; *id from
 * the discovery arguments when id is not NULL. */
static returncode_t wait_done(uint32_t drv, uint32_t num, uint64_t *id)
{
    yield_waitfor_return_t r = yield_wait_for(drv, num);
    if (id != NULL)
        *id = r.data0 == 0 ? ((uint64_t)r.data2 << 32 | r.data1) : 0;
    return tock_status_to_returncode((statuscode_t)r.data0);
}

static returncode_t name_op(const char *name, uint32_t num, uint64_t *id)
{
    libtock_ipc_registry_name_pad(name, name_buf);
    returncode_t rc = libtock_ipc_registry_name_set_readonly_allow(name_buf, sizeof(name_buf));
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = num == 0 ? libtock_ipc_registry_name_command_register()
                  : libtock_ipc_registry_name_command_discover();
    (void)libtock_ipc_registry_name_set_readonly_allow(NULL, 0);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    return wait_done(DRIVER_NUM_IPC_REGISTRY_NAME, num, id);
}

returncode_t libtocksync_ipc_registry_name_register(const char *name)
{
    return name_op(name, 0, NULL);
}

returncode_t libtocksync_ipc_registry_name_discover(const char *name, uint64_t *id)
{
    return name_op(name, 1, id);
}

returncode_t libtocksync_ipc_registry_pkg_register(void)
{
    returncode_t rc = libtock_ipc_registry_pkg_command_register();
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    return wait_done(DRIVER_NUM_IPC_REGISTRY_PKG, 0, NULL);
}

returncode_t libtocksync_ipc_registry_pkg_discover(const char *package_name, uint64_t *id)
{
    returncode_t rc = libtock_ipc_registry_pkg_set_readonly_allow((const uint8_t *)package_name,
                                                                  (uint32_t)strlen(package_name));
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_ipc_registry_pkg_command_discover();
    (void)libtock_ipc_registry_pkg_set_readonly_allow(NULL, 0);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    return wait_done(DRIVER_NUM_IPC_REGISTRY_PKG, 1, id);
}
