// What java.math.BigDecimal(String) accepts, which is how AIIDA coerces a string quantity.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * True for a number written the way the hub accepts a quantity sent as a string: decimal digits with an
 * optional sign, point and exponent ("-0.25", "1.5e3"); no hexadecimal, binary, spaces or decimal comma.
 */
export function isDecimalText(text: string): boolean {
  return DECIMAL.test(text);
}
