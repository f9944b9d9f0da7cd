package org.tlbscript.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.tlbscript.lang.Diagnostic;
import org.tlbscript.session.ScenarioRun;

/**
 * A JUnit report in Surefire's schema (surefire-test-report.xsd): one {@code <testsuite>}, one
 * {@code <testcase>} per scenario file, {@code <failure>} for a failed assertion and
 * {@code <error>} for a file that could not run. Written with StAX, so escaping is the JDK's.
 */
public final class JUnitReport {
  private JUnitReport() {}

  public static void write(Path file, String suite, List<ScenarioRun.Result> results) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    try (OutputStream os = Files.newOutputStream(file)) {
      XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(os, "UTF-8");
      w.writeStartDocument("UTF-8", "1.0");
      w.writeCharacters("\n");
      long failures = results.stream().filter(r -> r.status() == ScenarioRun.Status.FAILED).count();
      long errors = results.size() - failures
          - results.stream().filter(r -> r.status() == ScenarioRun.Status.PASSED).count();
      w.writeStartElement("testsuite");
      w.writeAttribute("name", suite);
      w.writeAttribute("tests", Integer.toString(results.size()));
      w.writeAttribute("errors", Long.toString(errors));
      w.writeAttribute("skipped", "0");
      w.writeAttribute("failures", Long.toString(failures));
      w.writeAttribute("time", seconds(results.stream().mapToLong(ScenarioRun.Result::nanos).sum()));
      w.writeCharacters("\n");
      for (ScenarioRun.Result r : results) {
        w.writeCharacters("  ");
        w.writeStartElement("testcase");
        w.writeAttribute("name", r.name());
        w.writeAttribute("classname", suite);
        w.writeAttribute("time", seconds(r.nanos()));
        if (r.status() != ScenarioRun.Status.PASSED) {
          String text = r.diagnostics().stream().map(Diagnostic::render).collect(Collectors.joining());
          String first = r.diagnostics().isEmpty() ? r.status().toString() : r.diagnostics().get(0).headline();
          w.writeStartElement(r.status() == ScenarioRun.Status.FAILED ? "failure" : "error");
          w.writeAttribute("message", first);
          w.writeAttribute("type", r.status().toString().toLowerCase(Locale.ROOT));
          w.writeCharacters(text);
          w.writeEndElement();
        }
        if (!r.output().isEmpty()) {
          w.writeStartElement("system-out");
          w.writeCharacters(r.output());
          w.writeEndElement();
        }
        w.writeEndElement();
        w.writeCharacters("\n");
      }
      w.writeEndElement();
      w.writeEndDocument();
      w.close();
    } catch (XMLStreamException e) {
      throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
  }
}
