# Finds syntax and commands that PowerShell 7 parses but Windows PowerShell 5.1 (what SSM runs on
# Windows Server) does not have. pwsh's parser accepts all of these, so a parse alone proves
# nothing about 5.1: this walks the AST and the tokens. Dot-source it.
Set-StrictMode -Version Latest

# Parameters added after 5.1 to cmdlets that 5.1 has (prefixes count: PowerShell binds them).
$script:Ps51MissingParameters = @{
  'ForEach-Object' = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace')
  'ConvertTo-Json' = @('AsArray', 'EscapeHandling', 'EnumsAsStrings')
  'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
  'Join-Path' = @('AdditionalChildPath')
  'Split-Path' = @('LeafBase', 'Extension')
  'Get-Content' = @('AsByteStream')
  'Set-Content' = @('AsByteStream')
  'Add-Content' = @('AsByteStream')
  'Get-Date' = @('AsUTC', 'UnixTimeSeconds')
  'Select-String' = @('Raw', 'NoEmphasis')
}
$script:Ps51MissingCommands = @('Join-String', 'Test-Json', 'Get-Error', 'Remove-Alias', 'ConvertFrom-Markdown', 'Get-Uptime')
$script:CommandAliases = @{ '%' = 'ForEach-Object'; 'foreach' = 'ForEach-Object' }
# Automatic variables 5.1 does not set: under Set-StrictMode reading one is a terminating error.
$script:Ps51MissingVariables = @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle', 'PSNativeCommandArgumentPassing', 'PSNativeCommandUseErrorActionPreference')
# -Encoding names 5.1 does not know.
$script:Ps51MissingEncodings = @('utf8NoBOM', 'utf8BOM', 'ansi')

function Find-Ps51Incompatibility([string]$Source) {
  # Returns one "line: what" string per finding; an empty result means 5.1 has everything used.
  $tokens = $null
  $errors = $null
  $ast = [Management.Automation.Language.Parser]::ParseInput($Source, [ref]$tokens, [ref]$errors)
  if ($errors.Count -gt 0) { return @($errors | ForEach-Object { "$($_.Extent.StartLineNumber): parse error: $($_.Message)" }) }
  $found = [Collections.Generic.List[string]]::new()
  $note = { param($Node, [string]$What) $found.Add("$($Node.Extent.StartLineNumber): $What") }

  foreach ($node in $ast.FindAll({ $true }, $true)) {
    switch ($node.GetType().Name) {
      'TernaryExpressionAst' { & $note $node 'ternary operator ? :' }
      'PipelineChainAst' { & $note $node 'pipeline chain && / ||' }
      'BinaryExpressionAst' {
        if ($node.Operator -eq 'QuestionQuestion') { & $note $node 'null-coalescing operator ??' }
        if (($node.Operator -match 'replace$') -and ($node.Right -is [Management.Automation.Language.ArrayLiteralAst]) -and
          (@($node.Right.Elements)[-1] -is [Management.Automation.Language.ScriptBlockExpressionAst])) {
          & $note $node '-replace with a script block (5.1 turns the block into its text)'
        }
      }
      'AssignmentStatementAst' {
        if ($node.Operator -eq 'QuestionQuestionEquals') { & $note $node 'null-coalescing assignment ??=' }
      }
      { $_ -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' } {
        if ($node.NullConditional) { & $note $node 'null-conditional access ?. / ?[]' }
      }
      'ScriptBlockAst' {
        if ($null -ne $node.CleanBlock) { & $note $node 'clean block' }
      }
      'PipelineAst' {
        if ($node.Background) { & $note $node 'background operator &' }
      }
      'VariableExpressionAst' {
        if ($Ps51MissingVariables -contains $node.VariablePath.UserPath) { & $note $node "automatic variable `$$($node.VariablePath.UserPath)" }
      }
      'CommandAst' { Find-Ps51CommandGap $node $note }
    }
  }
  foreach ($token in $tokens) {
    if ($token.Kind -eq 'Number' -and $token.Text -match '(?i)^(0b[01]+|(0x[0-9a-f]+|[0-9]+)(y|uy|s|us|u|ul|n))(kb|mb|gb|tb|pb)?$') {
      $found.Add("$($token.Extent.StartLineNumber): number literal $($token.Text) (binary or type suffix)")
    }
    if ($token.Kind -in 'StringExpandable', 'HereStringExpandable') {
      if ($token.Text -match '`u\{') { $found.Add("$($token.Extent.StartLineNumber): escape ``u{} in a double-quoted string") }
      if ($token.Text -cmatch '`e') { $found.Add("$($token.Extent.StartLineNumber): escape ``e in a double-quoted string") }
    }
  }
  return @($found)
}

function Find-Ps51CommandGap($Command, [scriptblock]$Note) {
  $name = $Command.GetCommandName()
  if ($null -eq $name) { return }
  if ($CommandAliases.ContainsKey($name)) { $name = $CommandAliases[$name] }
  if ($Ps51MissingCommands -contains $name) { & $Note $Command "command $name"; return }
  $elements = @($Command.CommandElements)
  foreach ($element in $elements) {
    if ($element -isnot [Management.Automation.Language.CommandParameterAst]) { continue }
    $parameter = $element.ParameterName
    if ($Ps51MissingParameters.ContainsKey($name)) {
      foreach ($missing in $Ps51MissingParameters[$name]) {
        if ($parameter.Length -ge 2 -and $missing.StartsWith($parameter, [StringComparison]::OrdinalIgnoreCase)) {
          & $Note $Command "$name -$missing"
        }
      }
    }
    if ('Encoding'.StartsWith($parameter, [StringComparison]::OrdinalIgnoreCase) -and $parameter.Length -ge 3) {
      $index = [array]::IndexOf($elements, $element)
      $value = $element.Argument
      if ($null -eq $value -and $index + 1 -lt $elements.Count) { $value = $elements[$index + 1] }
      if ($null -ne $value -and $Ps51MissingEncodings -contains $value.Extent.Text.Trim("'`"")) {
        & $Note $Command "-Encoding $($value.Extent.Text)"
      }
    }
  }
  if ($name -eq 'Join-Path') {
    $positional = @($elements | Select-Object -Skip 1 | Where-Object { $_ -isnot [Management.Automation.Language.CommandParameterAst] })
    $named = @($elements | Where-Object { $_ -is [Management.Automation.Language.CommandParameterAst] -and $null -eq $_.Argument })
    if ($positional.Count - $named.Count -gt 2) { & $Note $Command 'Join-Path with more than one child path' }
  }
}
