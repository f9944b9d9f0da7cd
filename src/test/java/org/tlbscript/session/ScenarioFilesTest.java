package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.lang.Source;

/** Every file under scenarios/ is a test: it must pass (bad/ files by matching their expect-error lines). */
class ScenarioFilesTest {
  @TestFactory
  Stream<DynamicTest> everyScenarioPasses() throws IOException {
    Path root = Path.of("scenarios");
    var files = Files.walk(root).filter(p -> p.toString().endsWith(".tlbs")).sorted().toList();
    assertFalse(files.isEmpty(), "no scenarios found under " + root.toAbsolutePath());
    return files.stream().flatMap(f -> {
      List<ScenarioRun.Result> results;
      try {
        results = ScenarioRun.runAll(new Source(root.relativize(f).toString(), Files.readString(f)), null, false);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return results.stream().map(r -> DynamicTest.dynamicTest(r.name(), () ->
          assertEquals(ScenarioRun.Status.PASSED, r.status(), () -> r.diagnostics().stream()
              .map(Diagnostic::render).collect(Collectors.joining()))));
    });
  }
}
