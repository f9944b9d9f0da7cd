package org.tlbscript.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A space too large for the heap ends as "incomplete" with exit code 5, never with an
 * OutOfMemoryError: both when the memory bound stops it and when the heap runs out first.
 * Runs the packaged jar in a JVM with a small heap (a failsafe test: after `package`).
 */
class ExplorationLimitsIT {
  static final Path JAR = Path.of("target", "tlbscript.jar");
  static final String BIG = "bench/races/three-switchers-one-flusher.tlbs";
  /** Under v4.20 the range flush visits CPUs in id order: no symmetry, 2.5 M kept states, some 25 s. */
  static final String[] HUGE = {"--kernel", "v4.20", BIG};

  static String run(String heap, int exitExpected, String... args) throws Exception {
    String jvm = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(jvm, "-Xmx" + heap, "-jar", JAR.toString(), "run"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(exitExpected, p.exitValue(), out);
    assertFalse(out.contains("Exception") || out.contains("Error:") || out.contains("\tat "), out);
    return out;
  }

  @Test
  void theMemoryBoundHoldsTheProcesssResidentMemory() throws Exception {
    // the bound counts what the system counts: heap, the visited set off the heap, the JVM
    String out = run("256m", 5, "--max-memory", "150", HUGE[0], HUGE[1], HUGE[2]);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("memory bound of 150 MB \\((\\d+) MB resident\\)")
        .matcher(out);
    assertTrue(m.find(), out);
    assertTrue(Integer.parseInt(m.group(1)) <= 150 * 11 / 10, "resident " + m.group(1) + " MB: " + out);
    assertTrue(out.contains("INCOMPLETE " + BIG), out);
    assertTrue(out.matches("(?s).*\\d+ outcomes? found so far.*"), out);
  }

  @Test
  void ctrlCStopsTheExplorationAndTheRunPrintsItsSummary() throws Exception {
    String jvm = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(jvm, "-jar", JAR.toString(), "run", HUGE[0], HUGE[1], HUGE[2],
        "scenarios/s01-plain-shootdown.tlbs").redirectErrorStream(true).start();
    Thread.sleep(3000); // well into the exploration (some 25 s)
    new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(5, p.exitValue(), out);
    assertTrue(out.contains("error: interrupted: explored "), out);
    assertTrue(out.contains("0 passed, 0 failed, 1 incomplete (interrupted: 1 file not run)"), out);
    assertFalse(out.contains("Exception") || out.contains("\tat "), out);
  }

  @Test
  void aHeapThatRunsOutBeforeTheBoundEndsTheRunAsIncompleteToo() throws Exception {
    // the visited set is off the heap and kept states are few: only a tiny heap runs out
    String out = run("6m", 5, "--max-memory", "4000", HUGE[0], HUGE[1], HUGE[2]);
    assertTrue(out.contains("error: exploration incomplete after ") && out.contains("JVM heap limit of"), out);
  }
}
