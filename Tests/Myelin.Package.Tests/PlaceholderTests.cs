namespace Myelin.Package.Tests;

public class PlaceholderTests
{
    [Fact]
    public void The_project_builds() => Assert.Equal("Myelin.Package.Tests", typeof(PlaceholderTests).Assembly.GetName().Name);
}
