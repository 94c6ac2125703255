/**
 * Test oracle, written independently of src/glob: a line-by-line transliteration of AppArmor's
 * convert_aaregex_to_pcre (parser/parser_regex.c) from glob TEXT to AppArmor's regex dialect, and a
 * converter from that dialect to a JS RegExp. The same converter reads the regexes that the real
 * `apparmor_parser -D rule-exprs` prints, so the oracle itself is checked against the parser.
 */

/** AppArmor's regex for a glob text (what `-D rule-exprs` prints after "aare: TEXT   ->   "). */
export function aareToPcre(aare: string): string {
  let pcre = "";
  let escape = false;
  let inClass = false;
  let grouping = 0;
  for (let i = 0; i < aare.length; i++) {
    const c = aare[i]!;
    if (c === "\\") {
      if (!escape) {
        escape = true;
        continue;
      }
      pcre += "\\\\";
    } else if (c === "*") {
      if (escape) pcre += "\\*";
      else {
        if (pcre.endsWith("/")) {
          let s = i;
          while (aare[s] === "*") s++;
          if (aare[s] === "/" || s === aare.length) pcre += "[^/\\x00]";
        }
        if (aare[i + 1] === "*") {
          pcre += "[^\\x00]*";
          i++;
        } else pcre += "[^/\\x00]*";
      }
    } else if (c === "?") {
      pcre += escape ? "?" : "[^/\\x00]";
    } else if (c === "[") {
      if (escape) pcre += "\\[";
      else {
        inClass = true;
        pcre += "[";
      }
    } else if (c === "]") {
      if (escape) pcre += "\\]";
      else {
        if (!inClass) throw new Error("unbalanced ]");
        inClass = false;
        pcre += "]";
      }
    } else if (c === "{") {
      if (escape) pcre += "\\{";
      else if (inClass) pcre += "{";
      else {
        grouping++;
        pcre += "(";
      }
    } else if (c === "}") {
      if (escape) pcre += "\\}";
      else if (inClass) pcre += "}";
      else {
        grouping--;
        if (grouping < 0) throw new Error("unbalanced }");
        pcre += ")";
      }
    } else if (c === ",") {
      if (escape) pcre += inClass ? "\\," : ",";
      else pcre += grouping > 0 && !inClass ? "|" : ",";
    } else if (c === "^" || c === "$") {
      pcre += inClass ? c : "\\" + c;
    } else if (c === "." || c === "+" || c === "|" || c === "(" || c === ")") {
      pcre += "\\" + c;
    } else {
      pcre += c;
    }
    escape = false;
  }
  if (grouping !== 0 || inClass || escape) throw new Error("unbalanced glob");
  return pcre;
}

/** AppArmor's regex dialect -> an anchored JS RegExp over byte strings. */
export function pcreToRegExp(pcre: string): RegExp {
  let js = "";
  let inClass = false;
  for (let i = 0; i < pcre.length; i++) {
    const c = pcre[i]!;
    if (c === "\\") {
      const next = pcre[i + 1];
      if (next === undefined) throw new Error(`dangling escape in ${pcre}`);
      // x00 stays a hex escape; any other escaped char is itself, written as a \x escape so that JS
      // never reads it as a class shorthand (\d, \w) or a backreference.
      if (next === "x") {
        js += pcre.slice(i, i + 4);
        i += 3;
      } else {
        js += "\\x" + next.charCodeAt(0).toString(16).padStart(2, "0");
        i++;
      }
    } else if (inClass) {
      if (c === "]") inClass = false;
      js += c;
    } else if (c === "[") {
      inClass = true;
      js += c;
    } else if (c === "(") {
      js += "(?:";
    } else if (c === "|" || c === ")" || c === "*") {
      js += c;
    } else {
      js += "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0");
    }
  }
  return new RegExp("^(?:" + js + ")$");
}

/** The oracle: does glob text match the byte-string path, by AppArmor's conversion rules. */
export function oracleMatches(globText: string, path: string): boolean {
  return pcreToRegExp(aareToPcre(globText)).test(path);
}
