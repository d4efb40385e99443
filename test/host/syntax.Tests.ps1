# The document's script parses, uses nothing Windows PowerShell 5.1 lacks, and its embedded C# is
# C# 5 (what 5.1's Add-Type compiles) with the same public surface as the test stand-in.
BeforeAll {
  . (Join-Path $PSScriptRoot 'HostScript.ps1')
  . (Join-Path $PSScriptRoot 'Ps51Syntax.ps1')
  $script:Source = Get-OperateScriptText
}

Describe 'the SessionJanitor-Operate script' {
  It 'parses without an error in PowerShell''s own parser' {
    $tokens = $null
    $errors = $null
    $null = [Management.Automation.Language.Parser]::ParseInput($Source, [ref]$tokens, [ref]$errors)
    @($errors | ForEach-Object { "$($_.Extent.StartLineNumber): $($_.Message)" }) | Should -BeNullOrEmpty
  }

  It 'uses no syntax, command, parameter or variable that Windows PowerShell 5.1 lacks' {
    Find-Ps51Incompatibility $Source | Should -BeNullOrEmpty
  }

  It 'is reported by the parser when broken' {
    Find-Ps51Incompatibility ($Source.Replace('switch -CaseSensitive ($operation) {', 'switch ($operation {')) |
      Should -Match 'parse error'
  }
}

Describe 'the 5.1 syntax check' {
  # Synthetic snippets, one per construct: each must be caught, or the clean result above means nothing.
  It 'refuses <what>' -ForEach @(
    @{ what = 'the ternary operator'; snippet = '$a = $b ? 1 : 2' }
    @{ what = '??'; snippet = '$a = $b ?? ''x''' }
    @{ what = '??='; snippet = '$a ??= 3' }
    @{ what = '?. on a member'; snippet = '${b}?.Length' }
    @{ what = '?. on a method'; snippet = '${b}?.Trim()' }
    @{ what = '?[]'; snippet = '${b}?[0]' }
    @{ what = '&&'; snippet = 'Get-Item x && Remove-Item x' }
    @{ what = '||'; snippet = 'Get-Item x || exit 1' }
    @{ what = 'a clean block'; snippet = 'function f { process { 1 } clean { 2 } }' }
    @{ what = 'ForEach-Object -Parallel'; snippet = '1..3 | ForEach-Object -Parallel { $_ }' }
    @{ what = '% -Parallel as a prefix'; snippet = '1..3 | % -Par { $_ }' }
    @{ what = 'the background operator'; snippet = 'Start-Sleep 1 &' }
    @{ what = 'ConvertTo-Json -AsArray'; snippet = 'ConvertTo-Json -InputObject 1 -AsArray' }
    @{ what = 'ConvertFrom-Json -AsHashtable'; snippet = '''{}'' | ConvertFrom-Json -AsHashtable' }
    @{ what = 'Join-Path with two children'; snippet = 'Join-Path $env:SystemRoot System32 quser.exe' }
    @{ what = 'Get-Content -AsByteStream'; snippet = 'Get-Content x -AsByteStream' }
    @{ what = 'Out-File -Encoding utf8NoBOM'; snippet = 'Out-File x -Encoding utf8NoBOM' }
    @{ what = 'Join-String'; snippet = '1, 2 | Join-String -Separator ,' }
    @{ what = '$IsWindows'; snippet = 'if ($IsWindows) { 1 }' }
    @{ what = '-replace with a script block'; snippet = '''ab'' -replace ''a'', { $_.Value.ToUpper() }' }
    @{ what = 'a byte-suffixed number'; snippet = '$a = 255uy' }
    @{ what = 'a binary number'; snippet = '$a = 0b1010' }
    @{ what = 'the `u{} escape'; snippet = '$a = "`u{263A}"' }
    @{ what = 'the `e escape'; snippet = '$a = "`e[0m"' }
  ) {
    Find-Ps51Incompatibility $snippet | Should -Not -BeNullOrEmpty
  }

  It 'accepts the 5.1 forms of the same things' {
    $snippets = @(
      'if ($b) { $a = 1 } else { $a = 2 }'
      'if ($null -eq $b) { $a = ''x'' }'
      'Get-Item x; if ($?) { Remove-Item x }'
      '1..3 | ForEach-Object { $_ } | % { $_ }'
      'ConvertTo-Json -InputObject @(1) -Compress'
      'Join-Path (Join-Path $env:SystemRoot System32) quser.exe'
      '[regex]::Replace(''ab'', ''a'', { param($m) $m.Value.ToUpper() })'
      '$a = 10kb + 1L + 0x1F'
      "`$a = 'literal ``u{263A}'"
      'Out-File x -Encoding UTF8'
    )
    foreach ($snippet in $snippets) { Find-Ps51Incompatibility $snippet | Should -BeNullOrEmpty -Because $snippet }
  }
}

Describe 'the WTS type the script compiles' {
  BeforeAll {
    $here = $Source.IndexOf("@'`n")
    $end = $Source.IndexOf("`n'@", $here)
    $script:CSharp = $Source.Substring($here + 3, $end - $here - 3)
    # Another name, so that it can sit beside the stand-in in this process.
    $script:Real = Add-Type -TypeDefinition ($CSharp.Replace('class SessionJanitorWts', 'class SessionJanitorWtsReal')) `
      -CompilerOptions '-langversion:5' -PassThru | Where-Object Name -EQ 'SessionJanitorWtsReal'
  }

  It 'is the C# of the script''s one Add-Type, and compiles as C# 5 (Windows PowerShell 5.1''s compiler)' {
    $CSharp | Should -Match 'public static class SessionJanitorWts'
    $Real | Should -Not -BeNullOrEmpty
  }

  It 'has exactly the public members of the stand-in the tests load' {
    $surface = {
      param([type]$Type)
      $Type.GetMembers([Reflection.BindingFlags]'Public, Static, DeclaredOnly') | ForEach-Object {
        if ($_ -is [Reflection.MethodInfo]) {
          "$($_.ReturnType.Name) $($_.Name)(" + (@($_.GetParameters() | ForEach-Object { $_.ParameterType.Name }) -join ',') + ')'
        } elseif ($_ -is [Reflection.FieldInfo]) { "$($_.FieldType.Name) $($_.Name) = $($_.GetValue($null))" }
      } | Sort-Object
    }
    & $surface ([SessionJanitorWts]) | Should -Be (& $surface $Real)
  }
}
