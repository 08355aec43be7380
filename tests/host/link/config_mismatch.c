/*
 * config_mismatch: built by mk/host.mk with one async/config.h limit changed
 * (-DASYNC_JOIN_MAX=3) and linked against the core built with the defaults.
 * The link must fail with an undefined async_config_<values> symbol (see
 * async/pool.h); the build fails if it links.
 */
#include <async/async.h>

int main(void)
{
	return (int)async_pool_count();
}
