/** Output limits and truncation markers of SSM Agent (amazon-ssm-agent `iohandler`). */
export const MAX_STDOUT_LENGTH = 24_000;
export const MAX_STDERR_LENGTH = 8_000;
export const OUTPUT_TRUNCATED_SUFFIX = '--output truncated--';
export const MAX_PLUGIN_OUTPUT_SIZE = 2_500;

const ERROR_TITLE = '\n----------ERROR-------\n';
const TRUNCATE_OUT = '\n---Output truncated---';
const TRUNCATE_ERROR = '\n---Error truncated----';

/** GetCommandInvocation's `StandardOutputContent`/`StandardErrorContent`: the first `max` characters. */
export function truncateStream(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, max - OUTPUT_TRUNCATED_SUFFIX.length) + OUTPUT_TRUNCATED_SUFFIX;
}

/** ListCommandInvocations' `CommandPlugins[].Output`: stdout and stderr within 2,500 characters. */
export function truncatePluginOutput(
  stdout: string,
  stderr: string,
  capacity = MAX_PLUGIN_OUTPUT_SIZE
): string {
  const errorTitle = stderr.length > 0 ? ERROR_TITLE : '';
  const available = capacity - errorTitle.length;
  if (stdout.length + stderr.length < available) return stdout + errorTitle + stderr;
  if (stdout.length > available / 2 && stderr.length > available / 2) {
    const half = Math.trunc((available - TRUNCATE_ERROR.length - TRUNCATE_OUT.length) / 2);
    return (
      stdout.slice(0, half) + TRUNCATE_OUT + errorTitle + stderr.slice(0, half) + TRUNCATE_ERROR
    );
  }
  if (stdout.length < available / 2) {
    const size = available - TRUNCATE_ERROR.length;
    return stdout + errorTitle + stderr.slice(0, size - stdout.length) + TRUNCATE_ERROR;
  }
  const size = available - TRUNCATE_OUT.length;
  return stdout.slice(0, size - stderr.length) + TRUNCATE_OUT + errorTitle + stderr;
}
