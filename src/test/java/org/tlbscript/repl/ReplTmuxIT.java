package org.tlbscript.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real pseudo-terminal: the jar's REPL in a private tmux server, driven by
 * send-keys and read with capture-pane (polled, no fixed sleeps), through a session that ends
 * with :save; the saved file then passes `tlbscript run`.
 */
class ReplTmuxIT {
  static final Path JAR = Path.of("target", "tlbscript.jar");

  @TempDir
  Path dir;

  private final String socket = "tlbs-test-" + ProcessHandle.current().pid();

  static boolean tmuxPresent() {
    try {
      return new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private String tmux(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    return out;
  }

  private String waitFor(String text) throws Exception {
    return waitUntil(screen -> screen.contains(text), "\"" + text + "\"");
  }

  private String waitUntil(java.util.function.Predicate<String> ok, String what) throws Exception {
    long end = System.currentTimeMillis() + 15_000;
    String screen = "";
    while (System.currentTimeMillis() < end) {
      screen = tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "repl");
      if (ok.test(screen)) {
        return screen;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what + " on:\n" + screen);
  }

  private void keys(String... keys) throws Exception {
    List<String> args = new ArrayList<>(List.of("send-keys", "-t", "repl"));
    args.addAll(List.of(keys));
    tmux(args.toArray(String[]::new));
  }

  @AfterEach
  void killServer() throws Exception {
    if (tmuxPresent()) {
      tmux("kill-server");
    }
  }

  @Test
  void aSessionEndingInSavePassesTlbscriptRun() throws Exception {
    assumeTrue(tmuxPresent(), "tmux is not installed");
    assumeTrue(Files.exists(JAR), "target/tlbscript.jar is not built (mvn package)");
    Path history = dir.resolve("history");
    Path saved = dir.resolve("saved.tlbs");
    Path exit = dir.resolve("exit");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // sh -c shares the foreground process group: Ctrl-C must not end the shell
    String cmd = "trap : INT; " + java + " -jar " + JAR.toAbsolutePath() + " repl --history " + history + "; echo $? > " + exit;
    tmux("new-session", "-d", "-s", "repl", "-x", "150", "-y", "50", "sh", "-c", cmd);
    waitFor("tlbs> ");
    keys("cpu0 switch mm1", "Enter");
    keys("cpu1 sw", "Tab");
    waitFor("cpu1 switch");
    keys("m", "Tab");
    waitFor("cpu1 switch mm1");
    keys("Enter");
    keys("cpu1 touch mm1 0x2000", "Enter");
    keys("cpu1 switch kernel", "Enter");
    keys("together {", "Enter");
    waitFor(".. ");
    keys("cpu0: unmap mm1 0x2000", "Enter", "cpu1: switch mm1; touch mm1 0x2000", "Enter", "}", "Enter");
    waitFor("together (line");
    keys("cpu0 bogus");
    waitFor("cpu0 bogus");
    keys("C-c");
    // the interrupt is a signal, not a key: wait for the fresh prompt before typing on
    waitUntil(screen -> screen.strip().matches("(?s).*cpu0 bogus\\s*\\n\\s*tlbs>"), "a prompt after Ctrl-C");
    keys(":save " + saved + " --assert", "Enter");
    waitFor("(tlbscript run: passed)");
    keys("C-d");
    // the session closes with the REPL, so wait for the exit status the shell writes
    long end = System.currentTimeMillis() + 10_000;
    while (!Files.exists(exit) && System.currentTimeMillis() < end) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(exit), "the REPL did not exit on Ctrl-D");
    assertEquals("0", Files.readString(exit).strip());
    assertTrue(Files.readString(history).contains("cpu1 switch mm1"));

    Process run = new ProcessBuilder(java, "-jar", JAR.toString(), "run", saved.toString())
        .redirectErrorStream(true).start();
    String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(run.waitFor(30, TimeUnit.SECONDS));
    assertTrue(out.contains("1 passed, 0 failed"), out);
    assertEquals(0, run.exitValue(), out);
  }

  @Test
  void ctrlCStopsALongExplorationAndTheSessionStaysAsItWas() throws Exception {
    assumeTrue(tmuxPresent(), "tmux is not installed");
    assumeTrue(Files.exists(JAR), "target/tlbscript.jar is not built (mvn package)");
    Path saved = dir.resolve("saved.tlbs");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cmd = "trap : INT; " + java + " -jar " + JAR.toAbsolutePath() + " repl --kernel v4.20 --history "
        + dir.resolve("history");
    tmux("new-session", "-d", "-s", "repl", "-x", "150", "-y", "50", "sh", "-c", cmd);
    waitFor("tlbs> ");
    for (String line : List.of("cpus 4", "cpu1 switch mm2", "cpu2 switch mm2", "cpu3 switch mm2", "cpu0 switch mm1")) {
      keys(line, "Enter");
    }
    // v4.20's range flush visits CPUs in id order: no symmetry, tens of millions of states
    keys("together {", "Enter", "cpu0: flush mm1 range 0x2000..0x3000; flush mm1 range 0x2000..0x3000", "Enter");
    for (int c = 1; c <= 3; c++) {
      keys("cpu" + c + ": switch mm1; switch mm2; switch mm1", "Enter");
    }
    keys("}", "Enter");
    waitFor("exploring: "); // the progress line, after the first second
    keys("C-c");
    String screen = waitFor("error: interrupted: explored ");
    assertTrue(screen.contains("outcomes found so far"), screen);
    waitUntil(s -> s.strip().endsWith("tlbs>"), "a prompt after Ctrl-C");
    keys("assert cpu1 loaded mm2", "Enter"); // the state before the block
    keys(":save " + saved + " --assert", "Enter");
    waitFor("(tlbscript run: passed)");
    String file = Files.readString(saved);
    assertTrue(file.contains("cpu0 switch mm1") && !file.contains("together"), file);
  }
}
