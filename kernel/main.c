/*
 * main.c - kmain: bring the kernel up in dependency order, then act on the
 * command line.
 *
 * Order: console (polled) -> boot info -> traps -> paging (drops the
 * identity map) -> page allocator -> clock -> timers -> threads -> tick ->
 * console input -> interrupts on. The test runner, when linked in (test
 * kernel), takes over after that; otherwise `crash=` and `poweroff` are
 * handled, then the filesystems are mounted (initrd at /, devfs at /dev,
 * tmpfs at /tmp) and `init=` (default /bin/sh) runs on /dev/console. When
 * init exits the machine powers off: status 0 -> poweroff, else exit 1.
 * Without an initrd module there is nothing to run: the main thread echoes
 * console input as before processes existed.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/pit.h>
#include <arch/x86_64/trap.h>
#include <drivers/drivers.h>
#include <kernel/boot.h>
#include <kernel/console.h>
#include <kernel/crash.h>
#include <kernel/ktest.h>
#include <kernel/paging.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/tty.h>
#include <fs/fat.h>
#include <fs/vfs.h>
#include <net/net.h>
#include <kernel/sched.h>
#include <kernel/stats.h>
#include <kernel/string.h>
#include <kernel/time.h>

void kmain(uint32_t magic, uint32_t info_phys);

/* Defined only in the test kernel (kernel/ktest/ktest.c). */
extern void ktest_main(void) __attribute__((weak));

static void apply_loglevel(void)
{
	const char *v = kernel_cmdline_get("loglevel");
	unsigned long long level;

	if (v && !kstrtoull(v, &level) && level <= LOG_DEBUG)
		console_set_loglevel((int)level);
	else if (v)
		klog(LOG_WARN, "loglevel=%s ignored: want 0..7\n", v);
}

static void log_modules(void)
{
	size_t n;
	const struct boot_module *m = kernel_modules(&n);

	for (size_t i = 0; i < n; i++)
		klog(LOG_INFO, "module %zu: 0x%lx-0x%lx '%s'\n", i, m[i].start, m[i].end,
		     m[i].name);
}

static void echo_console(void)
{
	char buf[64];

	printk("no shell yet: echoing console input\n");
	for (;;) {
		size_t n = console_read(buf, sizeof(buf));

		console_write(buf, n);
	}
}

static bool have_initrd(void)
{
	size_t n;

	kernel_modules(&n);
	return n > 0;
}

/*
 * Mounts the root (the initrd), /dev and /tmp. A corrupt initrd is bad input,
 * not a kernel bug: it is reported and the kernel goes on without init.
 */
static int mount_filesystems(void)
{
	static const struct {
		const char *src, *path, *type;
	} mounts[] = {
	    {"initrd", "/", "initrd"}, {"devfs", "/dev", "devfs"}, {"tmpfs", "/tmp", "tmpfs"}};
	int err;

	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		err = vfs_mount(mounts[i].src, mounts[i].path, mounts[i].type, 0);
		if (err) {
			klog(LOG_ERR, "cannot mount %s on %s: error %d; no init\n", mounts[i].type,
			     mounts[i].path, err);
			return err;
		}
	}
	fat_automount();
	return 0;
}

/* Runs init on the console and powers off with its status; returns if it cannot start. */
static void run_init(void)
{
	const char *init = kernel_cmdline_get("init");
	const char *argv[] = {init ? init : "/bin/sh", NULL};
	struct proc_spawn_req req = {.path = argv[0], .argv = argv};
	struct file *console;
	int err, pid, status;

	if (mount_filesystems())
		return;
	err = vfs_open("/dev/console", O_RDWR, 0, &console);
	if (err)
		panic("cannot open /dev/console: error %d", err);
	req.fds[0] = req.fds[1] = req.fds[2] = console;
	err = proc_spawn(&req, &pid);
	file_put(console);
	if (err) {
		klog(LOG_ERR, "init: cannot start %s: error %d\n", argv[0], err);
		return;
	}
	err = proc_waitpid(pid, &status, 0);
	klog(LOG_INFO, "init (%s) exited with status 0x%x\n", argv[0], err < 0 ? err : status);
	if (err < 0 || status != 0)
		kernel_exit(KERNEL_EXIT_TEST_FAILED);
	kernel_poweroff();
}

void kmain(uint32_t magic, uint32_t info_phys)
{
	console_early_init();
	if (bootinfo_init(magic, info_phys))
		panic("not started by a multiboot loader (magic 0x%x)", magic);
	apply_loglevel();
	klog(LOG_INFO, "Tessera kernel, command line '%s'\n", kernel_cmdline());
	arch_trap_init();
	paging_init();
	pmm_init();
	clock_init();
	rtc_init();
	timer_init();
	sched_init();
	proc_init();
	vfs_init();
	pit_start_tick();
	console_input_init();
	tty_init();
	arch_irq_enable();
	sched_start_preemption();
	log_modules();
	if (console_loglevel() >= LOG_DEBUG)
		kernel_stats_print();
	if (!ktest_main) {
		drivers_init();
		net_init(); /* after PCI; the test kernel runs its cases without the stack's thread */
	}
	if (ktest_main)
		ktest_main();
	if (kernel_cmdline_get("crash") && crash_request(kernel_cmdline_get("crash")))
		kernel_exit(
		    KERNEL_EXIT_TEST_FAILED); /* a crash test that cannot crash must not pass */
	if (kernel_cmdline_has("poweroff")) {
		klog(LOG_INFO, "poweroff requested, up %lu us\n", clock_now_ns() / 1000);
		kernel_poweroff();
	}
	if (have_initrd())
		run_init();
	echo_console();
}
