package org.tlbscript.cli;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C in a batch run: the first asks the exploration under way to stop (it ends as
 * incomplete, with what it found, and the run prints its summary); a second quits at once.
 * sun.misc.Signal is reached by reflection so that the build has no internal-API warnings.
 */
final class Interrupts {
  private final AtomicBoolean requested = new AtomicBoolean();

  private Interrupts() {}

  /** Installs the SIGINT handler (where the JVM lets us; elsewhere Ctrl-C ends the JVM as usual). */
  static Interrupts install(PrintWriter err) {
    Interrupts i = new Interrupts();
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object proxy = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (p, m, args) -> {
        if (m.getName().equals("handle")) {
          if (i.requested.compareAndSet(false, true)) {
            err.println();
            err.println("tlbscript: interrupted: stopping the exploration (Ctrl-C again quits at once)");
            err.flush();
          } else {
            Runtime.getRuntime().halt(130);
          }
          return null;
        }
        return m.getName().equals("hashCode") ? System.identityHashCode(p) : m.getName().equals("equals")
            ? p == args[0] : "Interrupts";
      });
      signal.getMethod("handle", signal, handler).invoke(null, signal.getConstructor(String.class).newInstance("INT"),
          proxy);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // no signal handling here: Ctrl-C ends the JVM, as it would without us
    }
    return i;
  }

  boolean requested() {
    return requested.get();
  }
}
