package org.tlbscript.lang;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Scenario text with its name (a path, or "<repl>"), kept so diagnostics can quote lines.
 * {@code firstLine} is the number of its first line: a REPL input is numbered where it was typed.
 */
public final class Source {
  private final String name;
  private final String text;
  private final int firstLine;
  /** Where each line starts in {@code text}, built on first use: quoting line n costs no scan of lines 1 to n. */
  private volatile int[] starts;

  public Source(String name, String text, int firstLine) {
    this.name = java.util.Objects.requireNonNull(name);
    this.text = java.util.Objects.requireNonNull(text);
    this.firstLine = firstLine;
  }

  public Source(String name, String text) {
    this(name, text, 1);
  }

  public String name() {
    return name;
  }

  public String text() {
    return text;
  }

  public int firstLine() {
    return firstLine;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Source s && s.name.equals(name) && s.text.equals(text) && s.firstLine == firstLine;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(name, text, firstLine);
  }

  @Override
  public String toString() {
    return "Source[" + name + ", " + text.length() + " characters]";
  }

  /**
   * The largest file read as a scenario. Scenarios are a few KB; the bound keeps a stray log or
   * disk image from filling the heap (and the parser's token list) before anything is reported.
   */
  public static final long MAX_BYTES = 8L << 20;

  /** Why a file cannot be read as scenario text, as a diagnostic about the whole file. */
  public static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Diagnostic diagnostic;

    Unreadable(String name, String message, String hint) {
      super(name + ": " + message);
      this.diagnostic = Diagnostic.ofFile(name, message, hint);
    }

    public Diagnostic diagnostic() {
      return diagnostic;
    }
  }

  /**
   * Reads {@code file} as UTF-8 scenario text (a leading byte order mark is dropped). Every way
   * it can fail, from a missing file to a binary one, is an {@link Unreadable} naming the file.
   */
  public static Source read(Path file) throws Unreadable {
    String name = file.toString();
    try {
      // attributes first: opening a named pipe would block, a device may never end
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      if (a.isDirectory()) {
        // a batch names a directory it could not list as an entry of its own
        try (var listing = Files.newDirectoryStream(file)) {
          throw new Unreadable(name, "is a directory", null);
        } catch (AccessDeniedException e) {
          throw new Unreadable(name, "permission denied: its files cannot be listed", null);
        }
      }
      if (!a.isRegularFile()) {
        throw new Unreadable(name, "not a regular file (a device, pipe or socket)", null);
      }
      if (a.size() > MAX_BYTES) {
        throw new Unreadable(name, "file too large (" + a.size() + " bytes; a scenario may have at most "
            + MAX_BYTES + ")", null);
      }
      return decode(name, Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new Unreadable(name, Files.isSymbolicLink(file) ? "no such file (a broken symbolic link)"
          : "no such file or directory", null);
    } catch (AccessDeniedException e) {
      throw new Unreadable(name, "permission denied", null);
    } catch (IOException e) {
      // what else the OS says (EIO, ...), without a stack trace
      String why = e.getMessage() == null || e.getMessage().equals(name) ? e.getClass().getSimpleName()
          : e.getMessage().replace(name + ": ", "");
      throw new Unreadable(name, "cannot read: " + why, null);
    }
  }

  /** Scenario text from {@code bytes}: UTF-8 without NUL bytes; a byte order mark is dropped. */
  public static Source decode(String name, byte[] bytes) throws Unreadable {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        throw new Unreadable(name, "binary file (NUL byte at offset " + i + ")", "scenarios are UTF-8 text");
      }
    }
    int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
        && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
    CharBuffer out = CharBuffer.allocate(bytes.length - start);
    CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      int at = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw new Unreadable(name, String.format("not UTF-8 text (invalid byte 0x%02x at offset %d)",
          bytes[at] & 0xff, at), "line " + line + ", byte " + (at - lineStart + 1) + " of the line; "
              + "scenarios are UTF-8 text (`iconv -f LATIN1 -t UTF-8` converts a Latin-1 file)");
    }
    out.flip();
    return new Source(name, out.toString());
  }

  /** Lines as the lexer counts them: split at \n only, a trailing \r dropped. */
  public List<String> lines() {
    return java.util.Arrays.stream(text.split("\n", -1))
        .map(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l).toList();
  }

  /** Line {@code number} (counted from {@code firstLine}), or "" when there is none. */
  public String line(int number) {
    int[] at = starts;
    if (at == null) {
      java.util.List<Integer> list = new java.util.ArrayList<>();
      list.add(0);
      for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
        list.add(i + 1);
      }
      at = starts = list.stream().mapToInt(Integer::intValue).toArray();
    }
    int n = number - firstLine;
    if (n < 0 || n >= at.length) {
      return "";
    }
    int end = n + 1 < at.length ? at[n + 1] - 1 : text.length();
    String l = text.substring(at[n], end);
    return l.endsWith("\r") ? l.substring(0, l.length() - 1) : l;
  }
}
