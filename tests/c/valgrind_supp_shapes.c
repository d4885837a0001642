/* The stack shapes tests/c/valgrind.supp must cover, without tokio: threads still parked when main returns, started
 * from a frame named like an inlined `spawn_thread` (the bare name valgrind reads from an inlined-subroutine debug
 * entry) under a caller named by -DCALLER. Built and run under valgrind by ffi/tests/valgrind_supp.rs: with a
 * tokio-like caller every "possibly lost" TLS block must be suppressed; with any other caller it must still be
 * reported. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stddef.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t started;

static void *park(void *arg) {
    (void)arg;
    pthread_barrier_wait(&started);
    pthread_mutex_lock(&lock);
    for (;;) pthread_cond_wait(&never, &lock);
    return NULL;
}

__attribute__((noinline)) void spawn_thread(void) {
    pthread_t thread;
    pthread_create(&thread, NULL, park, NULL);
}

__attribute__((noinline)) void CALLER(void) { spawn_thread(); }

int main(void) {
    pthread_barrier_init(&started, NULL, 3);
    CALLER();
    CALLER();
    pthread_barrier_wait(&started);
    return 0;
}
