# Runs the host-script Pester suite (test/host/*.Tests.ps1) and writes one JSON result per test to
# -ResultPath, which test/host/host-script.test.ts turns into one vitest test each.
# -UpdateFixtures rewrites test/fixtures/host-envelopes.json from the script's current output
# (contract.Tests.ps1); -Path runs only the given test files.
param(
  [Parameter(Mandatory)][string]$PesterPath,
  [Parameter(Mandatory)][string]$ResultPath,
  [string[]]$Path = @($PSScriptRoot),
  [switch]$UpdateFixtures
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module -Name $PesterPath -Force
if ($UpdateFixtures) { $env:JANITOR_UPDATE_HOST_FIXTURES = '1' }

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'None'
$run = Invoke-Pester -Configuration $configuration

$tests = @(foreach ($test in $run.Tests) {
    $message = ''
    if ($test.ErrorRecord.Count -gt 0) {
      $message = (@($test.ErrorRecord | ForEach-Object { $_.DisplayErrorMessage + "`n" + $_.DisplayStackTrace }) -join "`n")
    }
    [ordered]@{
      file = [IO.Path]::GetFileName($test.ScriptBlock.File)
      name = (@($test.Path) -join ' > ')
      result = [string]$test.Result
      message = $message
    }
  })
# A failing BeforeAll/AfterAll or a file that does not even load fails no single test: report it
# as a failure of its own so that it can never pass silently.
foreach ($container in @($run.FailedContainers)) {
  $tests += [ordered]@{
    file = [IO.Path]::GetFileName([string]$container.Item)
    name = 'setup and teardown'
    result = 'Failed'
    message = (@($container.ErrorRecord | ForEach-Object { $_.DisplayErrorMessage }) -join "`n")
  }
}
foreach ($block in @($run.FailedBlocks)) {
  $tests += [ordered]@{
    file = [IO.Path]::GetFileName($block.ScriptBlock.File)
    name = (@($block.Path) -join ' > ') + ' (block setup)'
    result = 'Failed'
    message = (@($block.ErrorRecord | ForEach-Object { $_.DisplayErrorMessage }) -join "`n")
  }
}
$json = ConvertTo-Json -InputObject ([ordered]@{ pester = $run.Version; tests = @($tests) }) -Depth 4
[IO.File]::WriteAllText($ResultPath, $json)
