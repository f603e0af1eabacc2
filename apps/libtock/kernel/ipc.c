/* ipc.c: the legacy IPC calls (driver 0x10000) over the raw syscalls. */
#include <libtock/kernel/ipc.h>

/* Driver 0x10000's commands and its one read-only allow (kernel/src/ipc.rs). */
enum {
    IPC_CMD_DISCOVER = 1,
    IPC_CMD_NOTIFY_SERVICE = 2,
    IPC_CMD_NOTIFY_CLIENT = 3,
    IPC_ALLOW_RO_SEARCH = 0,
};

int ipc_discover(const char *pkg_name, size_t *svc_id)
{
    allow_ro_return_t search =
        allow_readonly(IPC_DRIVER_NUM, IPC_ALLOW_RO_SEARCH, pkg_name, strlen(pkg_name));
    if (!search.success)
        return tock_status_to_returncode(search.status);

    uint32_t index = 0;
    int rc = tock_command_return_u32_to_returncode(command(IPC_DRIVER_NUM, IPC_CMD_DISCOVER, 0, 0),
                                                   &index);

    /* Give the kernel back whatever was allowed before, whatever the
     * outcome, so the name's memory is no longer shared. */
    allow_ro_return_t back =
        allow_readonly(IPC_DRIVER_NUM, IPC_ALLOW_RO_SEARCH, search.ptr, search.size);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    if (!back.success)
        return tock_status_to_returncode(back.status);
    *svc_id = index;
    return RETURNCODE_SUCCESS;
}

int ipc_register_service_callback(const char *pkg_name, subscribe_upcall callback, void *ud)
{
    /* A service learns its own index by discovering its own name, and
     * listens on the subscribe number equal to it. */
    size_t self = 0;
    int rc = ipc_discover(pkg_name, &self);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    return tock_subscribe_return_to_returncode(
        subscribe(IPC_DRIVER_NUM, (uint32_t)self, callback, ud));
}

int ipc_register_client_callback(size_t svc_id, subscribe_upcall callback, void *ud)
{
    return tock_subscribe_return_to_returncode(
        subscribe(IPC_DRIVER_NUM, (uint32_t)svc_id, callback, ud));
}

int ipc_notify_service(size_t pid)
{
    return tock_command_return_novalue_to_returncode(
        command(IPC_DRIVER_NUM, IPC_CMD_NOTIFY_SERVICE, (int)pid, 0));
}

int ipc_notify_client(size_t pid)
{
    return tock_command_return_novalue_to_returncode(
        command(IPC_DRIVER_NUM, IPC_CMD_NOTIFY_CLIENT, (int)pid, 0));
}

int ipc_share(size_t pid, void *base, int len)
{
    return tock_allow_rw_return_to_returncode(
        allow_readwrite(IPC_DRIVER_NUM, (uint32_t)pid, base, (size_t)len));
}
