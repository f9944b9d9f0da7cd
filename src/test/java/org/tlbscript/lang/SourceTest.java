package org.tlbscript.lang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading scenario text: every way a file can fail is one diagnostic naming the file, never an exception. */
class SourceTest {
  @TempDir
  Path dir;

  private static String decodeError(byte[] bytes) {
    return assertThrows(Source.Unreadable.class, () -> Source.decode("f.tlbs", bytes)).diagnostic().headline();
  }

  private static String readError(Path p) {
    return assertThrows(Source.Unreadable.class, () -> Source.read(p)).diagnostic().headline();
  }

  @Test
  void utf8TextIsReadAndAByteOrderMarkIsDropped() throws Exception {
    byte[] text = "cpu0 switch mm1 # → ü\n".getBytes(StandardCharsets.UTF_8);
    assertEquals("cpu0 switch mm1 # → ü\n", Source.decode("f.tlbs", text).text());
    byte[] bom = new byte[text.length + 3];
    bom[0] = (byte) 0xef;
    bom[1] = (byte) 0xbb;
    bom[2] = (byte) 0xbf;
    System.arraycopy(text, 0, bom, 3, text.length);
    assertEquals("cpu0 switch mm1 # → ü\n", Source.decode("f.tlbs", bom).text());
  }

  @Test
  void invalidUtf8IsReportedWithTheByteAndItsOffset() {
    assertEquals("f.tlbs: error: not UTF-8 text (invalid byte 0xff at offset 16)",
        decodeError("cpu0 switch mm1 \u00ff\n".getBytes(StandardCharsets.ISO_8859_1)));
    // a sequence cut off by the end of the file, and a lone continuation byte
    assertEquals("f.tlbs: error: not UTF-8 text (invalid byte 0xe2 at offset 2)",
        decodeError(new byte[] {'#', ' ', (byte) 0xe2, (byte) 0x82}));
    assertEquals("f.tlbs: error: not UTF-8 text (invalid byte 0x80 at offset 0)", decodeError(new byte[] {(byte) 0x80}));
    // the hint says where, for editors that count lines
    Source.Unreadable e = assertThrows(Source.Unreadable.class,
        () -> Source.decode("f.tlbs", "cpus 2\nab\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)));
    assertEquals("line 2, byte 3 of the line; scenarios are UTF-8 text (`iconv -f LATIN1 -t UTF-8` converts a "
        + "Latin-1 file)", e.diagnostic().hint());
  }

  @Test
  void aNulByteMakesItABinaryFile() {
    assertEquals("f.tlbs: error: binary file (NUL byte at offset 3)", decodeError(new byte[] {'a', 'b', 'c', 0, (byte) 0xff}));
  }

  @Test
  void filesThatCannotBeReadSayWhy() throws Exception {
    assertEquals(dir + ": error: is a directory", readError(dir));
    Path missing = dir.resolve("gone.tlbs");
    assertEquals(missing + ": error: no such file or directory", readError(missing));
    Path link = Files.createSymbolicLink(dir.resolve("link.tlbs"), missing);
    assertEquals(link + ": error: no such file (a broken symbolic link)", readError(link));
    Path big = dir.resolve("big.tlbs");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(Source.MAX_BYTES + 1); // sparse: nothing is written
    }
    assertEquals(big + ": error: file too large (" + (Source.MAX_BYTES + 1) + " bytes; a scenario may have at most "
        + Source.MAX_BYTES + ")", readError(big));
  }

  @Test
  void aNamedPipeIsNotOpened() throws Exception {
    Path fifo = dir.resolve("pipe.tlbs");
    int made;
    try {
      made = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
    } catch (java.io.IOException e) {
      made = -1;
    }
    assumeTrue(made == 0, "mkfifo is not available");
    // opening it would block until a writer came: the test would hang
    assertEquals(fifo + ": error: not a regular file (a device, pipe or socket)", readError(fifo));
  }

  @Test
  void aFileWithoutReadPermission() throws Exception {
    Path f = Files.writeString(dir.resolve("secret.tlbs"), "cpu0 switch mm1\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
    assumeFalse(Files.isReadable(f), "running as root: a file without permissions is still readable");
    assertEquals(f + ": error: permission denied", readError(f));
  }

  @Test
  void aDiagnosticForTheWholeFileHasNoLineToQuote() {
    Diagnostic d = Diagnostic.ofFile("f.tlbs", "binary file (NUL byte at offset 3)", null);
    assertEquals("f.tlbs: error: binary file (NUL byte at offset 3)\n", d.render());
  }

  @Test
  void controlCharactersAreQuotedAsTheirPicturesAndTheCaretStaysInPlace() {
    Source s = new Source("f.tlbs", "cpu0 \u001b[2J switch mm1\r\n");
    Diagnostic d = new Diagnostic(new Pos(s, 1, 6, 1), "unexpected '\u001b'");
    assertEquals("f.tlbs:1:6: error: unexpected '\u241b'\n  cpu0 \u241b[2J switch mm1\n       ^\n", d.render());
    // in a file name too (a C1 control such as NEL, U+0085, has no picture)
    assertEquals("a\ufffdb\u241b.tlbs: error: no such file or directory",
        Diagnostic.ofFile("a\u0085b\u001b.tlbs", "no such file or directory", null).headline());
  }
}
