package org.tlbscript.lang;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tlbscript.kernels.Models;
import org.tlbscript.session.ScenarioRun;

/**
 * Pins what the tool says about bad input, in the style of Trino's
 * TestSqlParserErrorHandling: one row per mistake, with the exact headline
 * {@code name:line:col: error: message} of the first diagnostic. Static errors go through
 * {@link Parser#parse} then {@link Checker#check} (as {@code ScenarioRun.execute} does); state
 * errors found while running go through {@link ScenarioRun#run}.
 */
class DiagnosticsTest {
  private static final String NAME = "t.tlbs";

  // ------------------------------------------------------------------ the tables

  /** Syntax and check errors: input, exact headline of the first diagnostic. */
  static Stream<Arguments> staticErrors() {
    return Stream.of(
        // syntax
        Arguments.of("cpu0 flush mm1 rnage",
            "t.tlbs:1:16: error: unexpected 'rnage', expected one of 'all', 'range'"),
        Arguments.of("flsh mm1 rnage",
            "t.tlbs:1:1: error: unexpected 'flsh', expected a statement"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1\n",
            "t.tlbs:2:15: error: unexpected end of line, expected a number"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1",
            "t.tlbs:2:15: error: unexpected end of input, expected a number"),
        Arguments.of("cpu0 switch mm1\r\ncpu0 touch mm1\r\n",
            "t.tlbs:2:15: error: unexpected end of line, expected a number"),
        Arguments.of("cpu0 switch mm1\r\ncpu0 touch mm1\r",
            "t.tlbs:2:15: error: unexpected end of input, expected a number"),
        Arguments.of("cpu0 switch mm1 extra\n",
            "t.tlbs:1:17: error: unexpected 'extra' after the end of the statement"),
        Arguments.of("cpu0 switch mm1 @\n",
            "t.tlbs:1:17: error: unexpected '@' after the end of the statement"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1 0x1000 wirte\n",
            "t.tlbs:2:23: error: unexpected 'wirte' after the end of the statement"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1 0xffffffffffffffffffff\n",
            "t.tlbs:2:16: error: number 0xffffffffffffffffffff is too large (the limit is 2^62)"),
        // header rules
        Arguments.of("kernel v4.2\n", "t.tlbs:1:8: error: unknown kernel model 'v4.2'"),
        Arguments.of("cpus 2\ncpus 3\n", "t.tlbs:2:1: error: `cpus` is already set at line 1"),
        Arguments.of("kernel v4.20\ncpu0 switch mm1\nkernel v4.20\n",
            "t.tlbs:3:8: error: `kernel` is already set at line 1"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1 0x1000\npcid off\n",
            "t.tlbs:3:1: error: header line `pcid off` after the first action (line 1)"),
        Arguments.of("# a comment\n\nassert stale none\nkernel v4.19\n",
            "t.tlbs:4:1: error: header line `kernel v4.19` after the first assertion (line 3)"),
        Arguments.of("cpu0 switch mm1;  memory sc\n",
            "t.tlbs:1:19: error: header line `memory sc` after the first action (line 1)"),
        Arguments.of("show state\nceiling 0\n",
            "t.tlbs:2:1: error: header line `ceiling 0` after the first `show` (line 1)"),
        Arguments.of("cpus 0\n", "t.tlbs:1:6: error: cpus must be between 1 and 64, not 0"),
        Arguments.of("cpus 65\n", "t.tlbs:1:6: error: cpus must be between 1 and 64, not 65"),
        Arguments.of("ceiling 99999999\n", "t.tlbs:1:9: error: ceiling 99999999 is too large"),
        // CPUs
        Arguments.of("cpus 2\ncpu2 switch mm1\n",
            "t.tlbs:2:1: error: cpu2 does not exist: `cpus 2` declares cpu0 to cpu1"),
        Arguments.of("cpus 1\ncpu0 switch mm1\nassert ipis cpu1 0\n",
            "t.tlbs:3:13: error: cpu1 does not exist: `cpus 1` declares cpu0"),
        Arguments.of("cpu64 switch mm1\n",
            "t.tlbs:1:1: error: cpu64 is beyond the 64 CPUs tlbscript models"),
        Arguments.of("cpu99999999999 switch mm1\n",
            "t.tlbs:1:1: error: cpu99999999999 is beyond the 64 CPUs tlbscript models"),
        Arguments.of("cpus 2\ncpu0 switch mm1\nassert mask mm1 {cpu0 cpu4294967296}\n",
            "t.tlbs:3:23: error: cpu4294967296 does not exist: `cpus 2` declares cpu0 to cpu1"),
        // numbers
        Arguments.of("ceiling -1\n", "t.tlbs:1:9: error: unexpected '-', expected a number"),
        Arguments.of("cpus 99999999999999999999\n",
            "t.tlbs:1:6: error: number 99999999999999999999 is too large (the limit is 2^62)"),
        Arguments.of("tick 0x" + "f".repeat(70) + "\n",
            "t.tlbs:1:6: error: number 0xffffffffffffffffffffff… (72 characters) is too large (the limit is 2^62)"),
        // mms
        Arguments.of("cpu0 switch mn1\n", "t.tlbs:1:13: error: 'mn1' is not an mm"),
        Arguments.of("cpu0 switch mm1\ncpu0 switch mn1\n", "t.tlbs:2:13: error: 'mn1' is not an mm"),
        Arguments.of("cpu0 switch mm1\ncpu1 switch mm2\nassert gen mm3 0\n",
            "t.tlbs:3:12: error: unknown mm 'mm3': no action before this line uses it"),
        Arguments.of("show mm5\n",
            "t.tlbs:1:6: error: unknown mm 'mm5': no action before this line uses it"),
        Arguments.of("cpu0 switch init_mm\n",
            "t.tlbs:1:13: error: init_mm cannot be used here: it has no user pages"),
        // addresses and ranges
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1 0x1234\n",
            "t.tlbs:2:16: error: address 0x1234 is not page aligned"),
        Arguments.of("cpu0 spec 0x1001\n", "t.tlbs:1:11: error: address 0x1001 is not page aligned"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1 0x800000000000\n",
            "t.tlbs:2:16: error: address 0x800000000000 is not a user address"),
        Arguments.of("cpu0 switch mm1\ncpu0 unmap mm1 0x3000..0x2000\n",
            "t.tlbs:2:24: error: empty range 0x3000..0x2000: the end must be above the start"),
        Arguments.of("cpu0 switch mm1\ncpu0 unmap mm1 0x3000..0x3000\n",
            "t.tlbs:2:24: error: empty range 0x3000..0x3000: the end must be above the start"),
        Arguments.of("cpu0 switch mm1\ncpu0 free-tables mm1 0x1000..0x5000\n",
            "t.tlbs:2:22: error: free-tables 0x1000..0x5000 frees no page table: a PTE page maps"
                + " 2 MiB, and only whole ones inside the range are freed"),
        Arguments.of("cpu0 flush mm1 range\n",
            "t.tlbs:1:1: error: `flush mm1 range` without addresses flushes the pages the scenario"
                + " names in mm1, and it names none before this line"),
        Arguments.of("cpu0 switch mm1\ncpu0 map mm1 0x2000 pfn 0\n",
            "t.tlbs:2:25: error: pfn 0 is out of range (1 to 2^40-1)"),
        // assertions
        Arguments.of("cpu0 switch mm1\nassert cpu0 asid 7\n",
            "t.tlbs:2:18: error: ASID 7 does not exist: there are 6 dynamic ASIDs, 0 to 5"),
        Arguments.of("cpu0 switch mm1\nassert stale cpu0 0x1001\n",
            "t.tlbs:2:19: error: address 0x1001 is not page aligned"));
  }

  /** Errors found while running (the state does not allow the action): input, headline. */
  static Stream<Arguments> runtimeErrors() {
    return Stream.of(
        Arguments.of("cpu0 switch mm1\ncpu1 touch mm1 0x1000\n",
            "t.tlbs:2:1: error: cpu1 does not run mm1: it runs a kernel thread on init_mm"),
        Arguments.of("cpu0 switch mm2\ncpu0 touch mm1 0x1000\n",
            "t.tlbs:2:1: error: cpu0 does not run mm1: it runs a task of mm2"),
        Arguments.of("cpu0 switch mm1\ncpu0 use mm1\n", "t.tlbs:2:1: error: cpu0 cannot use mm1: it runs a task of mm1"),
        Arguments.of("cpu0 switch mm1\ncpu1 switch mm1\ncpu0 exit mm1\n",
            "t.tlbs:3:1: error: cpu0 cannot exit mm1: cpu1 still runs a task of it"),
        Arguments.of("cpu0 switch kernel\ncpu0 use mm1\ncpu1 exit mm1\n",
            "t.tlbs:3:1: error: cpu1 cannot exit mm1: it runs a kernel thread on init_mm"),
        Arguments.of("cpu0 switch mm1\ncpu0 map mm1 0x1000\ncpu0 map mm1 0x1000\n",
            "t.tlbs:3:1: error: 0x1000 is already mapped in mm1 (pfn 256)"),
        Arguments.of("cpu0 switch mm1\ncpu0 remap mm1 0x5000\n",
            "t.tlbs:2:1: error: 0x5000 is not mapped in mm1"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1 0x1000\ncpu0 switch mm2\nflush mm1 range\n",
            "t.tlbs:4:1: error: no CPU runs a task of mm1 to start the flush on"),
        Arguments.of("cpu0 switch mm1\ncpu0 switch kernel\nflush mm1 all\n",
            "t.tlbs:3:1: error: no CPU runs a task of mm1 to start the flush on"),
        Arguments.of("cpu0 switch mm1\ncpu0 exit mm1\ncpu0 switch mm1\n",
            "t.tlbs:3:1: error: mm1 has exited: its page tables are gone"),
        Arguments.of("cpu0 switch mm1\ncpu0 unuse mm1\n",
            "t.tlbs:2:1: error: cpu0 cannot unuse mm1: it runs a task of mm1"),
        Arguments.of("cpu0 switch mm1\ncpu0 leave\n", "t.tlbs:2:1: error: cpu0 cannot leave_mm: it runs a task of mm1"),
        Arguments.of("cpu0 switch mm1\ncpu0 begin unmap mm1 0x2000\ncpu0 step 3\ncpu0 switch mm2\n",
            "t.tlbs:4:1: error: cpu0 is in the middle of zap_pte_range:ZP2 (paused by manual stepping): "
                + "an action cannot start there"),
        Arguments.of("cpu0 switch mm1\ncpu0 begin unmap mm1 0x2000\ncpu0 step 3\nflush mm1 range\n",
            "t.tlbs:4:1: error: every CPU that runs a task of mm1 is paused in kernel code (cpu0 at "
                + "zap_pte_range:ZP2)"));
  }

  /** The hint ("did you mean", or what to write instead) of the first diagnostic. */
  static Stream<Arguments> hints() {
    return Stream.of(
        Arguments.of("cpu0 flush mm1 rnage", "did you mean 'range'?"),
        Arguments.of("flsh mm1 rnage", "did you mean 'flush'?"),
        Arguments.of("cpu1 swich mm1\n", "did you mean 'switch'?"),
        Arguments.of("cpu0 switch mm1\ncpu0 tuch mm1 0x1000\n", "did you mean 'touch'?"),
        Arguments.of("kernel v4.2\n", "did you mean 'v4.20'? `tlbscript kernels` lists the models"),
        Arguments.of("kernel on\n", "`tlbscript kernels` lists the models"),
        Arguments.of("cpu0 switch mn1\n", "mms are written mm1, mm2, ... (or init_mm)"),
        Arguments.of("cpu0 switch mm1\ncpu0 switch mn1\n", "did you mean 'mm1'?"),
        Arguments.of("cpu0 switch mm1\ncpu1 switch mm2\nassert gen mm3 0\n", "known: mm1, mm2"),
        Arguments.of("cpu0 switch mm1\ncpu1 switch mm2\nassert gen mm12 0\n", "known: mm1, mm2"),
        Arguments.of("cpu0 switch mm1\ncpu1 switch mm22\nassert gen mm222 0\n", "did you mean 'mm22'?"),
        Arguments.of("show mm5\n", "no action has used an mm yet"),
        Arguments.of("cpu0 switch init_mm\n", "`cpuN leave` switches a CPU to init_mm"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1 0x1234\n", "did you mean 0x1000?"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1 0x800000000000\n",
            "user space ends at 0x7ffffffff000 (TASK_SIZE_MAX)"),
        Arguments.of("cpu0 switch mm1\ncpu0 unmap mm1 0x3000..0x2000\n",
            "ranges are half-open [start, end), like the kernel's start/end"),
        Arguments.of("cpu0 switch mm1\ncpu0 free-tables mm1 0x1000..0x5000\n",
            "did you mean 0x0..0x200000?"),
        Arguments.of("cpu0 switch mm1\ncpu0 free-tables mm1 0x201000..0x300000\n",
            "did you mean 0x200000..0x400000?"),
        Arguments.of("cpu0 flush mm1 range\n", "give the range: cpu0 flush mm1 range 0x1000..0x3000"),
        Arguments.of("ceiling 99999999\n", "the kernel's default tlb_single_page_flush_ceiling is 33"),
        Arguments.of("ceiling -1\n", "numbers here are never negative"),
        Arguments.of("trace on\nkernel v4.19\ncpus 2\ncpu0 switch mm1\ncpu1 switch mm1\nspeculate on\n",
            "move it above line 4: header lines (kernel, cpus, pcid, ceiling, memory, speculate) set up the"
                + " machine before anything runs"),
        // runtime
        Arguments.of("cpu0 switch mm1\ncpu1 touch mm1 0x1000\n",
            "a user access needs a task of the mm: write `cpu1 switch mm1` (or `cpu1 use mm1` for a"
                + " kernel thread) first"),
        Arguments.of("cpu0 switch mm1\ncpu0 use mm1\n",
            "use_mm is for kernel threads: write `cpu0 switch kernel` first"),
        Arguments.of("cpu0 switch mm1\ncpu1 switch mm1\ncpu0 exit mm1\n",
            "the last task must exit last: switch cpu1 away first"),
        Arguments.of("cpu0 switch mm1\ncpu0 map mm1 0x1000\ncpu0 map mm1 0x1000\n",
            "use `remap` to change it"),
        Arguments.of("cpu0 switch mm1\ncpu0 touch mm1 0x1000\ncpu0 switch mm2\nflush mm1 range\n",
            "write the CPU: cpu0 flush mm1 range"),
        Arguments.of("cpu0 switch mm1\ncpu0 exit mm1\ncpu0 switch mm1\n", "use another mm after `exit`"),
        Arguments.of("cpu0 switch mm1\ncpu0 leave\n",
            "leave_mm runs in the idle loop: write `cpu0 idle` first"));
  }

  /** Mistakes that have no hint: there is nothing useful to suggest. */
  static Stream<Arguments> noHint() {
    return Stream.of(
        Arguments.of("cpus 2\ncpu2 switch mm1\n"),
        Arguments.of("cpus 2\ncpus 3\n"),
        Arguments.of("cpu0 switch mm1\nassert cpu0 asid 7\n"),
        Arguments.of("cpu0 switch mm1 extra\n"));
  }

  static Stream<Arguments> allCases() {
    return Stream.concat(staticErrors(), runtimeErrors());
  }

  // ------------------------------------------------------------------ the tests

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("staticErrors")
  void staticError(String input, String headline) {
    List<Diagnostic> ds = staticDiagnostics(input);
    assertFalse(ds.isEmpty(), "no diagnostic for:\n" + input);
    assertEquals(headline, ds.get(0).headline());
    // and the runner reports the same first diagnostic, without running anything
    ScenarioRun.Result run = ScenarioRun.run(source(input), null, false);
    assertEquals(ScenarioRun.Status.INVALID, run.status());
    assertEquals(headline, run.diagnostics().get(0).headline());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("runtimeErrors")
  void runtimeError(String input, String headline) {
    assertTrue(staticDiagnostics(input).isEmpty(), "should pass the static checks:\n" + input);
    ScenarioRun.Result run = ScenarioRun.run(source(input), null, false);
    assertEquals(ScenarioRun.Status.INVALID, run.status());
    assertFalse(run.diagnostics().isEmpty());
    assertEquals(headline, run.diagnostics().get(0).headline());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("hints")
  void hint(String input, String hint) {
    assertEquals(hint, firstDiagnostic(input).hint());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("noHint")
  void noHint(String input) {
    assertNull(firstDiagnostic(input).hint());
  }

  /** render(): the headline, the source line indented by two, a caret under the column. */
  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("allCases")
  void renderQuotesTheLineAndPutsTheCaretUnderTheColumn(String input, String headline) {
    Diagnostic d = firstDiagnostic(input);
    String[] lines = d.render().split("\n");
    String sourceLine = input.lines().toList().get(d.pos().line() - 1);
    assertAll(
        () -> assertEquals(headline, lines[0]),
        () -> assertEquals("  " + sourceLine, lines[1]),
        () -> assertEquals(2 + d.pos().col() - 1, lines[2].indexOf('^'), d.render()),
        () -> assertEquals(("  " + " ".repeat(d.pos().col() - 1) + "^").length(),
            lines[2].indexOf('^') + 1),
        () -> assertTrue(lines[2].substring(0, lines[2].indexOf('^')).isBlank()),
        () -> assertEquals(d.hint() == null ? 3 : 4, lines.length, d.render()),
        () -> {
          if (d.hint() != null) {
            assertEquals("  hint: " + d.hint(), lines[3]);
          }
        });
  }

  /** A line of thousands of characters is quoted around the caret, and a huge token echoed short. */
  @Test
  void aVeryLongLineIsQuotedAroundTheCaret() {
    for (String input : List.of("cpu0 switch mm1 " + "x".repeat(100_000) + "\n",
        "cpu0 switch mm1; ".repeat(300) + "cpu0 swich mm1; " + "cpu0 switch mm1; ".repeat(300) + "\n")) {
      Diagnostic d = firstDiagnostic(input);
      String[] lines = d.render().split("\n");
      assertTrue(d.render().length() < 500, d.render());
      int caret = lines[2].indexOf('^');
      assertEquals(input.charAt(Pos.offset(input, d.pos().col())), lines[1].charAt(caret), d.render());
      assertTrue(lines[1].length() <= Diagnostic.WIDTH + 4, d.render());
    }
    assertEquals("t.tlbs:1:17: error: unexpected 'xxxxxxxxxxxxxxxxxxxxxxxx… (100000 characters)' after the end of the "
        + "statement", firstDiagnostic("cpu0 switch mm1 " + "x".repeat(100_000) + "\n").headline());
    // a `quoted` span of the input, spaces and all (the litmus parser's "found `...`"; found by FuzzTest)
    Source s = new Source("t.litmus", "P0 | " + "MOV EAX,[x] ".repeat(1000));
    assertEquals("t.litmus:1:6: error: expected `P1`, found `MOV EAX,[x] MOV EAX,[x] … (12000 characters)`",
        new Diagnostic(new Pos(s, 1, 6, 1), "expected `P1`, found `" + "MOV EAX,[x] ".repeat(1000) + "`").headline());
  }

  /** Reporting stays linear in the size of the file: quoting a line used to scan the lines above it. */
  @Test
  void aHundredThousandErrorsAreReportedInLinearTime() {
    assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
      List<Diagnostic> ds = staticDiagnostics("x\n".repeat(100_000));
      assertEquals(100_000, ds.size());
      assertEquals("  x", ds.get(99_999).render().split("\n")[1]);
      ds.forEach(Diagnostic::render);
    });
    // a CPU checked against `cpus` is not quoted unless it is wrong: 20 000 statements on one line
    assertTimeoutPreemptively(java.time.Duration.ofSeconds(2), () ->
        assertTrue(staticDiagnostics("cpus 2\n" + "cpu1 switch mm1; ".repeat(20_000)).isEmpty()));
  }

  /**
   * A huge unknown word is not compared, character by character, with every name it could be a
   * misspelling of: 20 lines of a 100 000-character model name under `kernel all` took minutes
   * (found by FuzzTest).
   */
  @Test
  void aHugeUnknownNameGetsNoDidYouMeanAtOnce() {
    String text = "kernel all\n" + ("on " + "v".repeat(100_000) + " assert stale none\n").repeat(20);
    assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
      List<ScenarioRun.Result> r = ScenarioRun.runAll(source(text), null, false);
      assertEquals(Models.names().size(), r.size());
      assertEquals("`tlbscript kernels` lists the models in order", r.get(0).diagnostics().get(0).hint());
    });
  }

  @Test
  void renderExample() {
    Diagnostic d = firstDiagnostic("cpu0 switch mm1\ncpu1 switch mm2\nassert gen mm3 0\n");
    assertEquals("""
        t.tlbs:3:12: error: unknown mm 'mm3': no action before this line uses it
          assert gen mm3 0
                     ^~~
          hint: known: mm1, mm2
        """, d.render());
  }

  /** A header after the first action is not applied: the lines above it are checked without it. */
  @Test
  void aLateHeaderIsNotApplied() {
    assertEquals(List.of("t.tlbs:3:1: error: header line `cpus 2` after the first action (line 1)"),
        staticDiagnostics("cpu3 switch mm1\ncpu2 switch mm1\ncpus 2\n").stream().map(Diagnostic::headline).toList());
    // a trace switch is not a statement that runs on the machine
    assertTrue(staticDiagnostics("trace on\ncpus 2\ncpu0 switch mm1\n").isEmpty());
  }

  @Test
  void caretUnderlinesTheWholeOffendingWord() {
    Diagnostic d = firstDiagnostic("cpu0 switch mm1\ncpu0 touch mm1 0x1234\n");
    assertEquals("                 ^~~~~~", d.render().split("\n")[2]);
  }

  @Test
  void caretKeepsTabsSoItLinesUpWithTheQuotedLine() {
    Diagnostic d = firstDiagnostic("cpu0 switch mm1\n\tcpu0  touch mm1 0x1001\n");
    assertEquals("t.tlbs:2:18: error: address 0x1001 is not page aligned", d.headline());
    assertEquals("  \t                ^~~~~~", d.render().split("\n")[2]);
  }

  @Test
  void crlfLineEndingsDoNotShiftColumns() {
    Diagnostic d = firstDiagnostic("cpu0 switch mm1\r\ncpu0 touch mm1 0x1234\r\n");
    assertEquals("t.tlbs:2:16: error: address 0x1234 is not page aligned", d.headline());
    assertEquals("  cpu0 touch mm1 0x1234", d.render().split("\n")[1]);
  }

  /** A misspelled verb after the CPU is reported at the word, against the verbs. */
  @Test
  void misspelledVerbIsReportedAtTheWord() {
    Diagnostic d = firstDiagnostic("cpu1 swich mm1\n");
    assertTrue(d.headline().startsWith("t.tlbs:1:6: error: unexpected 'swich'"), d.headline());
    assertEquals("       ^~~~~", d.render().split("\n")[2]);
    assertTrue(d.message().contains("'switch'"), d.message());
    assertFalse(d.message().contains("'tick'"), d.message());
  }

  // ------------------------------------------------------------------ several errors

  @Test
  void severalSyntaxErrorsAreAllReportedOnePerLine() {
    List<Diagnostic> ds = staticDiagnostics("""
        cpu0 swich mm1
        cpu0 switch mm1
        cpu0 flush mm1 rnage
        cpu0 touch mm1 0x1000
        cpu0 touch mm1 0x2000 wirte extra
        """);
    assertEquals(List.of(1, 3, 5), ds.stream().map(d -> d.pos().line()).toList(), ds.toString());
    assertEquals("t.tlbs:3:16: error: unexpected 'rnage', expected one of 'all', 'range'",
        ds.get(1).headline());
    assertEquals("t.tlbs:5:23: error: unexpected 'wirte' after the end of the statement",
        ds.get(2).headline());
  }

  @Test
  void severalCheckErrorsAreAllReported() {
    List<Diagnostic> ds = staticDiagnostics("""
        cpus 2
        cpu0 switch mm1
        cpu2 switch mm1
        cpu0 touch mm1 0x1234
        assert gen mm3 0
        """);
    assertEquals(List.of(
        "t.tlbs:3:1: error: cpu2 does not exist: `cpus 2` declares cpu0 to cpu1",
        "t.tlbs:4:16: error: address 0x1234 is not page aligned",
        "t.tlbs:5:12: error: unknown mm 'mm3': no action before this line uses it"),
        ds.stream().map(Diagnostic::headline).toList());
  }

  @Test
  void theRunnerReportsEveryStaticErrorAndRunsNothing() {
    ScenarioRun.Result r = ScenarioRun.run(source("""
        cpu0 switch mn1
        cpu0 switch mm1
        cpu0 unmap mm1 0x3000..0x2000
        assert cpu0 asid 7
        """), null, false);
    assertEquals(ScenarioRun.Status.INVALID, r.status());
    assertEquals(List.of(1, 3, 4), r.diagnostics().stream().map(d -> d.pos().line()).toList());
    assertEquals("", r.output());
  }

  @Test
  void aRuntimeErrorStopsTheRunAtThatLine() {
    ScenarioRun.Result r = ScenarioRun.run(source("""
        cpu0 switch mm1
        cpu1 touch mm1 0x1000
        cpu0 use mm1
        """), null, false);
    assertEquals(ScenarioRun.Status.INVALID, r.status());
    assertEquals(1, r.diagnostics().size());
    assertEquals(2, r.diagnostics().get(0).pos().line());
  }

  // ------------------------------------------------------------------ robustness

  private static final String[] GARBAGE = {
    "cpu0", "cpu1", "cpu99", "cpu99999999999", "mm1", "mm2", "mn1", "init_mm", "switch", "swich",
    "kernel", "idle", "use", "unuse", "leave", "touch", "write", "spec", "map", "pfn", "unmap",
    "protect", "remap", "free-tables", "flush", "range", "all", "exit", "tick", "assert", "stale",
    "none", "latent", "freed-walk", "ipis", "cr3", "flushes", "full", "partial", "lazy", "not",
    "loaded", "asid", "mask", "{", "}", "gen", "show", "tlb", "state", "trace", "on", "off", "cpus",
    "pcid", "ceiling", "0", "1", "7", "65", "0x1000", "0x1001", "0x", "12Q", "4K", "2M", "1_0",
    "0x1000..0x3000", "0x3000..0x1000", "..", "0x0..0x200000", "0x800000000000",
    "0xffffffffffffffffffffffff", "3000000000", "v4.2", "v4.20", ";", ";;", "#", "@", "\t", "\r",
    "é", "€", "\u0000", "'", "\"", "\\",
  };

  /** About 30 random garbage lines: only diagnostics come back, never an exception. */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 42, 2024})
  void garbageGivesDiagnosticsNotExceptions(long seed) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder();
    for (int line = 0; line < 30; line++) {
      int words = random.nextInt(6);
      for (int w = 0; w < words; w++) {
        text.append(random.nextInt(8) == 0 ? randomChars(random) : GARBAGE[random.nextInt(GARBAGE.length)]);
        text.append(random.nextInt(5) == 0 ? "" : " ");
      }
      text.append('\n');
    }
    Source source = new Source(NAME, text.toString());
    List<Diagnostic> ds = assertDoesNotThrow(() -> staticDiagnostics(source), text::toString);
    assertFalse(ds.isEmpty(), text::toString);
    for (Diagnostic d : ds) {
      assertNotNull(d.message());
      assertTrue(d.pos().line() >= 1 && d.pos().col() >= 1, d::toString);
      assertDoesNotThrow(d::render, text::toString);
    }
    ScenarioRun.Result r = assertDoesNotThrow(() -> ScenarioRun.run(source, null, false), text::toString);
    assertEquals(ScenarioRun.Status.INVALID, r.status());
  }

  /** Each garbage line on its own, after a valid prefix, so the checker and runner see it too. */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11, 12, 13})
  void garbageLinesOneByOneNeverThrow(long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < 200; i++) {
      StringBuilder line = new StringBuilder();
      int words = 1 + random.nextInt(5);
      for (int w = 0; w < words; w++) {
        line.append(GARBAGE[random.nextInt(GARBAGE.length)]).append(' ');
      }
      String text = "cpus 2\ncpu0 switch mm1\ncpu0 touch mm1 0x1000\n" + line + "\n";
      Source source = new Source(NAME, text);
      assertDoesNotThrow(() -> {
        for (Diagnostic d : staticDiagnostics(source)) {
          d.render();
        }
        for (Diagnostic d : ScenarioRun.run(source, null, false).diagnostics()) {
          d.render();
        }
      }, text);
    }
  }

  private static String randomChars(Random random) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + random.nextInt(6);
    for (int i = 0; i < n; i++) {
      sb.append((char) (0x21 + random.nextInt(0x7e - 0x21)));
    }
    return sb.toString();
  }

  // ------------------------------------------------------------------ known problems

  /** Problems found in review and since fixed: each must stay fixed. */
  @Test
  void formerProblemsStayFixed() {
    assertAll(
        // an unknown word starting a later line: no hint, and every line after it goes unchecked
        () -> assertEquals("did you mean 'flush'?",
            firstDiagnostic("cpu0 switch mm1\nflsh mm1 range\n").hint()),
        () -> assertEquals(List.of(3, 4), staticDiagnostics(
            "cpus 2\ncpu0 switch mm1\nflsh mm1 range\ncpu5 switch mm1\n").stream()
            .map(d -> d.pos().line()).toList()),
        // an optional trailing keyword is not in the expected set either
        () -> assertEquals("did you mean 'write'?",
            firstDiagnostic("cpu0 switch mm1\ncpu0 touch mm1 0x1000 wirte\n").hint()),
        () -> assertFalse(firstDiagnostic("assert stale\n").message().contains("'cr3'")),
        // a number that is not an address gets the address hint
        () -> assertFalse(String.valueOf(firstDiagnostic("tick 0xffffffffffffffffffff\n").hint())
            .contains("address")),
        // int overflow of `cpus`: a second, nonsensical diagnostic
        () -> assertEquals(1, staticDiagnostics("cpus 3000000000\ncpu0 switch mm1\n").size()),
        // a missing mm: the syntax error only, not also "'' is not an mm" (found by FuzzTest)
        () -> assertEquals(List.of("t.tlbs:1:9: error: unexpected end of line, expected one of a name, 'init_mm', mmN"),
            headlines("cpu2 use\n")),
        () -> assertEquals(1, headlines("cpu2 use\r\n").size()),
        // a number too large for a long: one diagnostic, not a second about the 0 standing in for it
        () -> assertEquals(List.of("t.tlbs:1:6: error: number 99999999999999999999 is too large (the limit is 2^62)"),
            headlines("cpus 99999999999999999999\ncpu0 switch mm1\n")),
        () -> assertEquals(List.of("t.tlbs:2:25: error: number 0x1_0000_0000_0000_0000 is too large (the limit is 2^62)"),
            headlines("cpu0 switch mm1\ncpu0 map mm1 0x1000 pfn 0x1_0000_0000_0000_0000\n")),
        () -> assertEquals(List.of("t.tlbs:2:11: error: number 18446744073709551616 is too large (the limit is 2^62)"),
            headlines("cpu0 switch mm1\ncpu0 step 18446744073709551616\n")),
        // and the CPU that overflows an int: one diagnostic, by its name as written
        () -> assertEquals(List.of("t.tlbs:1:1: error: cpu99999999999 is beyond the 64 CPUs tlbscript models"),
            headlines("cpu99999999999 switch mm1\n")),
        // leading zeros do not make a number large; a million digits is reported at once
        () -> assertTrue(staticDiagnostics("cpus 0000000000000000000000000002\ncpu1 switch mm1\n").isEmpty()),
        () -> assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> assertEquals(1,
            staticDiagnostics("tick " + "9".repeat(1_000_000) + "\n").size())),
        // a range may end at TASK_SIZE, a page may not start there
        () -> assertTrue(staticDiagnostics(
            "cpu0 switch mm1\ncpu0 unmap mm1 0x7fffffe00000..0x7ffffffff000\n").isEmpty()),
        () -> assertEquals(1, staticDiagnostics("cpu0 switch mm1\ncpu0 touch mm1 0x7ffffffff000\n").size()),
        // use_mm while already using another mm: the fix is unuse, not `switch kernel`
        () -> assertTrue(firstDiagnostic("cpu0 idle\ncpu0 use mm1\ncpu0 use mm2\n").hint()
            .contains("unuse")));
  }

  // ------------------------------------------------------------------ helpers

  private static Source source(String text) {
    return new Source(NAME, text);
  }

  /**
   * As ScenarioRun.execute: parse, check the statements that parsed, and report both kinds
   * together in line and column order.
   */
  static List<Diagnostic> staticDiagnostics(String text) {
    return staticDiagnostics(source(text));
  }

  static List<Diagnostic> staticDiagnostics(Source source) {
    Parser.Result parsed = Parser.parse(source);
    List<Diagnostic> all = new ArrayList<>(parsed.diagnostics());
    all.addAll(Checker.check(parsed.statements(), Models.names()).diagnostics());
    all.sort(Comparator.comparingInt((Diagnostic d) -> d.pos().line())
        .thenComparingInt(d -> d.pos().col()));
    return all;
  }

  static List<String> headlines(String text) {
    return staticDiagnostics(text).stream().map(Diagnostic::headline).toList();
  }

  /** The first static diagnostic, or else the first one the run gives. */
  static Diagnostic firstDiagnostic(String text) {
    List<Diagnostic> ds = staticDiagnostics(text);
    if (ds.isEmpty()) {
      ds = ScenarioRun.run(source(text), null, false).diagnostics();
    }
    assertFalse(ds.isEmpty(), "no diagnostic for:\n" + text);
    return ds.get(0);
  }
}
