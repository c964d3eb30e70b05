namespace Myelin.Tabular.Tests;

public class PlaceholderTests
{
    [Fact]
    public void The_project_builds() => Assert.Equal("myelin-tabular", typeof(Myelin.Samples.Tabular.Program).Assembly.GetName().Name);
}
