import type { NotRecognised, ParseResult } from './types.js';

/** The `parseX` form of a `readX` result: text that is not the command's output gives no rows and says so. */
export function orNotRecognised<Row>(result: ParseResult<Row> | NotRecognised): ParseResult<Row> {
  if ('kind' in result) {
    return { rows: [], error: null, warnings: [`not recognised: expected ${result.expected}`] };
  }
  return result;
}
