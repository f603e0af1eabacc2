/* share_syscalls.c: one-syscall wrappers for the shared-memory driver
 * (0xA0020). */
#include <libtock/ipc/syscalls/share_syscalls.h>

enum {
    SHARE_CMD_ACTIVATE = 1,
    SHARE_CMD_GRANT = 2,
    SHARE_CMD_REVOKE = 3,
    SHARE_CMD_RELEASE = 4,
    SHARE_CMD_INFO = 5,
    SHARE_CMD_COPY_IN = 6,
    SHARE_CMD_COPY_OUT = 7,
};

/* Success with three u32 values (TRD104 variant 132). */
static returncode_t share_return_3u32(syscall_return_t r, uint32_t *a, uint32_t *b, uint32_t *c)
{
    if (r.type == TOCK_SYSCALL_SUCCESS_U32_U32_U32) {
        *a = r.data[0];
        *b = r.data[1];
        *c = r.data[2];
        return RETURNCODE_SUCCESS;
    }
    if (r.type == TOCK_SYSCALL_FAILURE)
        return tock_status_to_returncode((statuscode_t)r.data[0]);
    return RETURNCODE_EBADRVAL;
}

bool libtock_share_driver_exists(void)
{
    return driver_exists(DRIVER_NUM_SHARE);
}

returncode_t libtock_share_set_upcall_granted(subscribe_upcall callback, void *opaque)
{
    return tock_subscribe_return_to_returncode(subscribe(DRIVER_NUM_SHARE, 0, callback, opaque));
}

returncode_t libtock_share_set_upcall_ended(subscribe_upcall callback, void *opaque)
{
    return tock_subscribe_return_to_returncode(subscribe(DRIVER_NUM_SHARE, 1, callback, opaque));
}

returncode_t libtock_share_set_readwrite_allow_copy_in(void *buf, uint32_t len)
{
    return tock_allow_rw_return_to_returncode(allow_readwrite(DRIVER_NUM_SHARE, 0, buf, len));
}

returncode_t libtock_share_set_readonly_allow_copy_out(const void *buf, uint32_t len)
{
    return tock_allow_ro_return_to_returncode(allow_readonly(DRIVER_NUM_SHARE, 0, buf, len));
}

returncode_t libtock_share_command_activate(uint32_t len, uint32_t flags, uint32_t *hw,
                                            uint32_t *addr, uint32_t *size)
{
    return share_return_3u32(command(DRIVER_NUM_SHARE, SHARE_CMD_ACTIVATE, (int)len, (int)flags),
                             hw, addr, size);
}

returncode_t libtock_share_command_grant(uint32_t handle, uint32_t mode, uint32_t peer,
                                         uint32_t *hw)
{
    syscall_return_t r =
        command(DRIVER_NUM_SHARE, SHARE_CMD_GRANT, (int)(handle | mode << 8), (int)peer);
    return tock_command_return_u32_to_returncode(r, hw);
}

returncode_t libtock_share_command_revoke(uint32_t handle, uint32_t peer, uint32_t *ended)
{
    syscall_return_t r = command(DRIVER_NUM_SHARE, SHARE_CMD_REVOKE, (int)handle, (int)peer);
    return tock_command_return_u32_to_returncode(r, ended);
}

returncode_t libtock_share_command_release(uint32_t handle, uint32_t owner)
{
    return tock_command_return_novalue_to_returncode(
        command(DRIVER_NUM_SHARE, SHARE_CMD_RELEASE, (int)handle, (int)owner));
}

returncode_t libtock_share_command_info(uint32_t handle, uint32_t owner, uint32_t *hw,
                                        uint32_t *addr, uint32_t *size)
{
    return share_return_3u32(command(DRIVER_NUM_SHARE, SHARE_CMD_INFO, (int)handle, (int)owner), hw,
                             addr, size);
}

returncode_t libtock_share_command_copy_in(uint32_t handle, uint32_t offset, uint32_t owner,
                                           uint32_t *copied)
{
    syscall_return_t r =
        command(DRIVER_NUM_SHARE, SHARE_CMD_COPY_IN, (int)(handle | offset << 8), (int)owner);
    return tock_command_return_u32_to_returncode(r, copied);
}

returncode_t libtock_share_command_copy_out(uint32_t handle, uint32_t offset, uint32_t owner,
                                            uint32_t *copied)
{
    syscall_return_t r =
        command(DRIVER_NUM_SHARE, SHARE_CMD_COPY_OUT, (int)(handle | offset << 8), (int)owner);
    return tock_command_return_u32_to_returncode(r, copied);
}
