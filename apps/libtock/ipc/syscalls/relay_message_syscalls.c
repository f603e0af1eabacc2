/* relay_message_syscalls.c: one-syscall wrappers for Relay Message 0xA0011. */
#include <libtock/ipc/syscalls/relay_message_syscalls.h>

#define DRV DRIVER_NUM_IPC_RELAY_MESSAGE

static returncode_t rm_cmd(uint32_t cmd, uint64_t id)
{
    syscall_return_t r = command(DRV, cmd, (int)(uint32_t)id, (int)(uint32_t)(id >> 32));
    return tock_command_return_novalue_to_returncode(r);
}

bool libtock_ipc_relay_message_driver_exists(void)
{
    return driver_exists(DRV);
}

returncode_t libtock_ipc_relay_message_set_upcall(subscribe_upcall cb, void *opaque)
{
    return tock_subscribe_return_to_returncode(subscribe(DRV, 0, cb, opaque));
}

returncode_t libtock_ipc_relay_message_set_readonly_allow(const uint8_t *buf, uint32_t len)
{
    return tock_allow_ro_return_to_returncode(allow_readonly(DRV, 0, buf, len));
}

returncode_t libtock_ipc_relay_message_set_readwrite_allow(uint8_t *buf, uint32_t len)
{
    return tock_allow_rw_return_to_returncode(allow_readwrite(DRV, 0, buf, len));
}

returncode_t libtock_ipc_relay_message_command_send(uint64_t receiver)
{
    return rm_cmd(1, receiver);
}

returncode_t libtock_ipc_relay_message_command_enable(void)
{
    return rm_cmd(2, 0);
}

returncode_t libtock_ipc_relay_message_command_disable(void)
{
    return rm_cmd(3, 0);
}

returncode_t libtock_ipc_relay_message_command_allow_sender(uint64_t sender)
{
    return rm_cmd(4, sender);
}

returncode_t libtock_ipc_relay_message_command_remove_sender(uint64_t sender)
{
    return rm_cmd(5, sender);
}

returncode_t libtock_ipc_relay_message_command_clear_senders(void)
{
    return rm_cmd(6, 0);
}
