package org.tlbscript.cli;

import java.math.BigInteger;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters for the numeric options: a value out of range is one usage error naming the option
 * and the range (picocli prints it, exit 2), not a limit that silently never or always trips.
 * The upper bounds are where the option's unit would overflow a long once converted.
 */
final class Bounds {
  private Bounds() {}

  /** {@code text} as a long in [min, max]; {@code one} and {@code unit} name one and several. */
  static long parse(String text, long min, long max, String one, String unit) {
    BigInteger v;
    try {
      v = new BigInteger(text.strip());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + text + "' is not a whole number of " + unit);
    }
    if (v.compareTo(BigInteger.valueOf(min)) < 0) {
      throw new TypeConversionException(text + " is too small: at least " + min + " " + (min == 1 ? one : unit));
    }
    if (v.compareTo(BigInteger.valueOf(max)) > 0) {
      throw new TypeConversionException(text + " is too large: at most " + max + " " + unit);
    }
    return v.longValue();
  }

  /** --max-states: a bound of 0 would stop every exploration before its first state. */
  static final class States implements ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      return parse(text, 1, Long.MAX_VALUE, "state", "states");
    }
  }

  /** --workers: threads for the depth-first part of an exploration. */
  static final class Workers implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String text) {
      return (int) parse(text, 1, 256, "thread", "threads");
    }
  }

  /** --timeout, in seconds (kept in milliseconds). */
  static final class Seconds implements ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      return parse(text, 1, Long.MAX_VALUE / 1000, "second", "seconds");
    }
  }

  /** --max-memory, in MB (kept in bytes). */
  static final class Megabytes implements ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      return parse(text, 1, Long.MAX_VALUE >> 20, "MB", "MB");
    }
  }
}
