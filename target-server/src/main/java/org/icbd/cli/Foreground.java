package org.icbd.cli;

/**
 * Runs a started appliance in the foreground until the process is told to stop. SIGTERM and
 * SIGINT run the JVM's shutdown hooks, so the hook is where the clean stop happens; the JVM
 * then exits with 128+signal (143 for SIGTERM), which service managers read as a clean stop.
 */
final class Foreground {

    private Foreground() {
    }

    static int runUntilSignalled(RunningAppliance app) throws InterruptedException {
        return runUntilSignalled(app, ServiceManager.fromEnvironment());
    }

    /** Tells the service manager it is ready once started, and that it is stopping when the clean stop begins. */
    static int runUntilSignalled(RunningAppliance app, ServiceManager manager) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            manager.stopping("stopping: closing sessions and handing over");
            app.close();
        }, "icbd-shutdown"));
        manager.ready(app.summary());
        app.awaitStopped();
        return 0;
    }
}
